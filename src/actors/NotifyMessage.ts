// What one sd_notify datagram says, read as systemd reads it (sd_notify(3)): newline-separated
// KEY=VALUE assignments, the first of each key counting. Dockless acts on READY=1, STATUS=,
// WATCHDOG=1, MAINPID= and STOPPING=1; anything else (RELOADING, ERRNO, FDSTORE, BARRIER,
// EXTEND_TIMEOUT_USEC, WATCHDOG=trigger) is read past. Pure: tested on its own.

/** The parts of a message Dockless acts on; absent keys read as false or undefined. */
export interface Notice {
  readonly ready: boolean
  /** STATUS=text: a line for people, shown as the service's `status`. */
  readonly status: string | undefined
  /** MAINPID=N: which process of its group the service calls its main one. */
  readonly mainPid: number | undefined
  /** STOPPING=1: the service began to shut down by itself. */
  readonly stopping: boolean
  /** WATCHDOG=1: the liveness ping of `watchdog`. */
  readonly watchdog: boolean
}

const valuesOf = (text: string): ReadonlyMap<string, string> => {
  const values = new Map<string, string>()
  for (const line of text.split("\n")) {
    const at = line.indexOf("=")
    if (at <= 0) continue
    const key = line.slice(0, at)
    if (!values.has(key)) values.set(key, line.slice(at + 1))
  }
  return values
}

const pidOf = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined
  const pid = Number(text)
  return pid <= 0x7fffffff ? pid : undefined
}

export const parseNotice = (text: string): Notice => {
  const values = valuesOf(text)
  return {
    ready: values.get("READY") === "1",
    status: values.get("STATUS"),
    mainPid: pidOf(values.get("MAINPID")),
    stopping: values.get("STOPPING") === "1",
    watchdog: values.get("WATCHDOG") === "1",
  }
}

/** Whether a notice says anything besides READY=1 that the service's model keeps. */
export const isNews = (notice: Notice): boolean =>
  notice.status !== undefined || notice.mainPid !== undefined || notice.stopping || notice.watchdog
