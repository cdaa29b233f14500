// What the side-by-side bench needs from each supervisor it compares (Dockless, PM2,
// supervisord, the bare-Node floor): start it on a list of services the way its users do, name
// the one process whose children the services are (and whose RSS and CPU we count), say where a
// service's stdout lands, and stop it the way its users do.
import type { ChildProcess } from "node:child_process"
import { childrenOf, isGone, sleep } from "../support.ts"

/** One service, the same for every peer: absolute command, arguments, extra environment. */
export interface ServiceDef {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
}

/** A supervisor started on a set of services in its own temp dir. */
export interface Running {
  /** The supervising process (PM2: its God daemon), once it exists. */
  readonly daemonPid: () => number | undefined
  /** The file holding the service's stdout. */
  readonly logOf: (service: string) => string
  /** Stops it as its users do (a signal, or a CLI command); resolves when that is done. */
  readonly stop: () => Promise<void>
  /** Dockless only: where its HTTP API listens, and the token it wants. */
  readonly http?: { readonly url: string; readonly token: string }
}

export interface Peer {
  readonly name: string
  /** What ran, for the report: "PM2 7.0.4", "supervisord 4.2.5", ... */
  readonly version: string
  /** Bytes the peer writes in front of each captured line (Dockless: `ISO-TIME stdout `, 32). */
  readonly linePrefix: number
  /** Lines the peer writes into a service's log on its own (Dockless: `ISO-TIME dockless started (pid N)`). */
  readonly ownLine: RegExp | undefined
  readonly start: (dir: string, services: ReadonlyArray<ServiceDef>) => Promise<Running>
}

/** A child's exit as a promise, settled even if it already exited. */
export const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once("exit", () => done()))

/**
 * Makes sure nothing a run started is left: waits up to `ms` for the daemon and every child it
 * had to be gone, then SIGKILLs what is left, by pid. Returns the pids it had to kill.
 */
export const reap = async (daemon: number | undefined, seen: Iterable<number>, ms: number) => {
  const pids = new Set(seen)
  if (daemon !== undefined) {
    for (const kid of childrenOf(daemon)) pids.add(kid)
    pids.add(daemon)
  }
  const alive = () => [...pids].filter((pid) => !isGone(pid))
  const deadline = Date.now() + ms
  while (alive().length > 0 && Date.now() < deadline) await sleep(20)
  const left = alive()
  const orphans = left.flatMap(childrenOf).filter((kid) => !pids.has(kid))
  // The daemon first: killed after its children, it could respawn them.
  const order = [...left, ...orphans].sort((a, b) => Number(b === daemon) - Number(a === daemon))
  const killed: Array<number> = []
  for (const pid of order) {
    try {
      process.kill(pid, "SIGKILL")
      killed.push(pid)
    } catch {
      // exited between the check and the kill
    }
  }
  return killed
}
