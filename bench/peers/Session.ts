// One peer started for one measurement, in a temp dir of its own, and everything it started
// cleaned up afterwards by pid: the peer's own stop first (its CLI or a signal), then a check
// that its daemon and every child the bench saw are gone, SIGKILL for any that are not, and the
// temp dir removed. An interrupted bench (Ctrl-C) cleans up every session still open.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { childrenOf, sleep } from "../support.ts"
import { reap, type Peer, type Running, type ServiceDef } from "./Peer.ts"

export interface Session {
  readonly dir: string
  readonly running: Running
  /** The daemon's pid, waited for (PM2's God daemon exists only once its CLI has started it). */
  readonly daemon: () => Promise<number>
  /** Pids the bench saw as children, so they are checked (and killed if left) at the end. */
  readonly seen: Set<number>
  /** The peer's own stop; later calls return the first one's promise. */
  readonly stop: () => Promise<void>
}

/** How long a peer's own stop may take (PM2 stops 1000 apps one by one) before we kill by pid. */
const STOP_MS = 180_000
const open = new Set<() => Promise<void>>()

/** Whether `promise` settles within `ms`; the timer is cleared either way, so it holds no exit back. */
const settle = <A>(promise: Promise<A>, ms: number) => {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms)))
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer))
}

/** Starts `peer` on the services (built knowing the session's dir), runs `body`, cleans up. */
export const withPeer = async <A>(
  peer: Peer,
  services: (dir: string) => ReadonlyArray<ServiceDef>,
  body: (session: Session) => Promise<A>,
): Promise<A> => {
  const dir = mkdtempSync(join(tmpdir(), "dockless-peers-"))
  const running = await peer.start(dir, services(dir)).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true })
    throw error
  })
  const seen = new Set<number>()
  let pid: number | undefined
  const daemon = async () => {
    for (let waited = 0; pid === undefined; waited += 5) {
      pid = running.daemonPid()
      if (pid !== undefined) break
      if (waited > 60_000) throw new Error(`${peer.name}: no daemon after 60 s (see ${dir})`)
      await sleep(5)
    }
    return pid
  }
  let stopping: Promise<void> | undefined
  const stop = () => {
    if (pid !== undefined) for (const kid of childrenOf(pid)) seen.add(kid)
    stopping ??= running.stop()
    return stopping
  }
  /** Graceful: the peer's own stop, then the check by pid. Interrupted: straight to SIGKILL by pid. */
  const cleanup = async (graceful: boolean) => {
    open.delete(interrupted)
    pid ??= running.daemonPid()
    if (graceful && !(await settle(stop(), STOP_MS)))
      console.error(`${peer.name}: its stop took over ${STOP_MS} ms`)
    const killed = await reap(pid, seen, graceful ? 10_000 : 0)
    if (killed.length > 0)
      console.error(
        `${peer.name}: had to SIGKILL ${killed.length} processes (${killed.slice(0, 5).join(" ")} …)`,
      )
    rmSync(dir, { recursive: true, force: true })
  }
  const interrupted = () => cleanup(false)
  open.add(interrupted)
  try {
    return await body({ dir, running, daemon, seen, stop })
  } finally {
    await cleanup(true)
  }
}

/** Ctrl-C: every open session is stopped and its processes killed by pid before the bench exits. */
export const cleanUpOnInterrupt = () =>
  process.once("SIGINT", async () => {
    console.error("interrupted: cleaning up")
    await Promise.all([...open].map((cleanup) => cleanup()))
    process.exit(130)
  })
