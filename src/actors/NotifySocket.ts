// One run's notify socket (systemd's NOTIFY_SOCKET, Type=notify): bound at data_dir/run/NAME.notify
// before the process is spawned, so its first READY=1 is never lost, and removed when the run
// ends (and run/ with the last one). Each datagram is taken only from a process of the run's own process group, as systemd's
// NotifyAccess=all takes only its unit's cgroup: the sender's pid (from SCM_CREDENTIALS) is
// looked up in /proc at once, while a sender like systemd-notify still waits on its barrier.
// Like a probe it decides nothing: READY=1 goes to the supervisor as Readied, the rest as Notified.
import { Effect, Runtime, type Scope } from "effect"
import { chmodSync, existsSync, mkdirSync, rmdirSync, rmSync } from "node:fs"
import { dirname } from "node:path"
import { readProcIdentity } from "../os/ProcStat.ts"
import { sdNotifyAddon, type NotifyDatagram } from "../os/SdNotifyAddon.ts"
import { systemErrorReason } from "../os/SystemError.ts"
import { isNews, parseNotice, type Notice } from "./NotifyMessage.ts"
import { SpawnFailed } from "./ProcessRunner.ts"

export interface NotifyReports {
  /** READY=1 from the group, when the service's `ready` is "notify". */
  readonly readied: (how: string) => Effect.Effect<void>
  readonly notified: (notice: Notice) => Effect.Effect<void>
  /** One of Dockless's lines in the service's log. */
  readonly note: (text: string) => void
}

export interface NotifyOptions {
  readonly path: string
  /** Whether READY=1 counts: only with `ready = "notify"` (a `watchdog` alone takes pings only). */
  readonly acceptReady: boolean
  /** For the SpawnFailed that a socket which cannot be bound becomes. */
  readonly command: string
}

export interface NotifyListener {
  /** The spawned process: its pid leads the group senders must belong to; earlier datagrams wait for it. */
  readonly adopt: (leader: number) => void
}

interface Arrival {
  readonly datagram: NotifyDatagram
  /** The sender's process group when the datagram arrived (undefined: gone, or no pid). */
  readonly group: number | undefined
}

const groupOf = (pid: number): number | undefined => (pid > 0 ? readProcIdentity(pid)?.pgid : undefined)

/** Created 0755 when missing: a service running as another user must reach its socket. */
const ensureDir = (dir: string) => {
  if (existsSync(dir)) return
  mkdirSync(dir, { recursive: true })
  chmodSync(dir, 0o755)
}

/** Binds the run's socket in the current scope (closed and removed with it) and starts listening. */
export const listenForNotify = (
  options: NotifyOptions,
  reports: NotifyReports,
): Effect.Effect<NotifyListener, SpawnFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const { path } = options
    const failed = (reason: string) => new SpawnFailed({ command: options.command, reason })
    const addon = sdNotifyAddon()
    if (typeof addon === "string") return yield* failed(addon)
    const run = Runtime.runFork(yield* Effect.runtime<never>())
    let leader: number | undefined
    let pending: Array<Arrival> = []
    // One note per kind and run: a foreign sender and a foreign MAINPID= are different mistakes.
    const warned = new Set<"sender" | "main">()

    const outsider = (kind: "sender" | "main", sentence: string) => {
      if (warned.has(kind)) return
      warned.add(kind)
      reports.note(`${sentence}; further ones from outside the group are ignored without a note`)
    }

    const handle = ({ datagram, group }: Arrival, own: number) => {
      if (datagram.pid !== own && group !== own)
        return outsider(
          "sender",
          `ignored a notification from pid ${datagram.pid}, which is not in its process group (${own})`,
        )
      const said = parseNotice(datagram.text)
      const mainPid = said.mainPid
      const foreignMain = mainPid !== undefined && mainPid !== own && groupOf(mainPid) !== own
      // Only the pid it names is outside: the rest of the datagram (READY=1, STATUS=) still counts.
      if (foreignMain)
        outsider("main", `ignored MAINPID=${mainPid}: pid ${mainPid} is not in its process group (${own})`)
      const notice: Notice = foreignMain ? { ...said, mainPid: undefined } : said
      if (isNews(notice)) run(reports.notified(notice))
      if (notice.ready && options.acceptReady) run(reports.readied("it sent READY=1"))
    }

    const onMessage = (datagram: NotifyDatagram) => {
      const arrival = { datagram, group: groupOf(datagram.pid) }
      if (leader === undefined) pending.push(arrival)
      else handle(arrival, leader)
    }

    yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          ensureDir(dirname(path))
          // A socket file left by a daemon that was killed would make bind fail with EADDRINUSE.
          rmSync(path, { force: true })
          return addon.bind(path, onMessage)
        },
        catch: (error) => failed(`cannot open its notify socket ${path}: ${systemErrorReason(error)}`),
      }),
      (binding) =>
        Effect.sync(() => {
          binding.close()
          rmSync(path, { force: true })
          // The last notify service's run leaves no run/ behind; another's socket keeps it.
          try {
            rmdirSync(dirname(path))
          } catch {
            // not empty, or gone already
          }
        }),
    )
    return {
      adopt: (pid) => {
        leader = pid
        const waiting = pending
        pending = []
        for (const arrival of waiting) handle(arrival, pid)
      },
    }
  })
