// The invariants of TREE.md, checked against a real daemon and /proc, for the property tests
// of the tree (lone services, and grouped ones): at most one process per service, the view
// agrees with /proc (a pid alive iff the state says so), no process left after a stop or a
// delete; and a call helper that bounds every request by the daemon's own command bound.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { FastCheck as fc } from "effect"
import { expect } from "vitest"
import { instanceOf } from "../../src/os/Markers.ts"
import { isAlive, startDaemon, TOKEN, waitFor, type Daemon } from "./daemon.ts"

/** The daemon's own bound on a command (COMMAND_BOUND_MS) and slack for the HTTP round trip. */
export const CALL_BOUND_MS = 11_000
export const SETTLE_MS = 10_000

interface Marked {
  readonly pid: number
  readonly ppid: number
  readonly pgid: number
}

/** Live processes carrying this daemon's marker for `service`. */
export const processesOf = (instance: string, service: string): Array<Marked> =>
  readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const env = readFileSync(`/proc/${p}/environ`, "utf8").split("\0")
        if (!env.includes(`DOCKLESS_INSTANCE=${instance}`) || !env.includes(`DOCKLESS_SERVICE=${service}`))
          return []
        const stat = readFileSync(`/proc/${p}/stat`, "utf8")
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        return isAlive(Number(p))
          ? [{ pid: Number(p), ppid: Number(fields[1]), pgid: Number(fields[2]) }]
          : []
      } catch {
        return []
      }
    })

/** A request bounded by the daemon's command bound: its status and how long it took. */
export const call = async (d: Daemon, method: string, path: string, body?: unknown) => {
  const sent = Date.now()
  const response = await fetch(`${d.url}${path}`, {
    method,
    signal: AbortSignal.timeout(CALL_BOUND_MS),
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  await response.arrayBuffer()
  return { status: response.status, ms: Date.now() - sent }
}

/** SIGKILL to the service's current process, as a crash would end it. */
export const killService = async (d: Daemon, name: string) => {
  const view = await fetch(`${d.url}/api/services/${name}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  const pid = view.ok ? ((await view.json()) as { pid: number | null }).pid : null
  if (pid !== null && isAlive(pid)) process.kill(pid, "SIGKILL")
  return { status: 200, ms: 0 }
}

/** Why the tree does not (yet) satisfy the invariants, or undefined when it does. */
export const violation = async (
  d: Daemon,
  instance: string,
  names: ReadonlyArray<string>,
): Promise<string | undefined> => {
  for (const name of names) {
    const response = await fetch(`${d.url}/api/services/${name}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    const marked = processesOf(instance, name)
    if (response.status === 404) {
      if (marked.length > 0) return `${name} is gone but ${marked.map((m) => m.pid).join(", ")} still run`
      continue
    }
    const view = (await response.json()) as { state: string; desired: string; pid: number | null }
    if (view.desired === "stopped" && view.state === "running") return `${name} was stopped but still runs`
    const mains = marked.filter((m) => m.ppid === d.child.pid)
    if (mains.length > 1)
      return `${name} has ${mains.length} processes: ${mains.map((m) => m.pid).join(", ")}`
    switch (view.state) {
      case "running":
        if (view.pid === null || !isAlive(view.pid))
          return `${name} is running but pid ${view.pid} is not alive`
        if (marked.some((m) => m.pgid !== view.pid)) return `${name} has processes outside its group`
        if (mains[0]?.pid !== view.pid)
          return `${name}'s process is ${mains[0]?.pid}, its view says ${view.pid}`
        break
      case "stopped":
      case "exited":
      case "failed":
        if (marked.length > 0)
          return `${name} is ${view.state} but ${marked.map((m) => m.pid).join(", ")} still run`
        break
      default:
        return `${name} is still ${view.state}`
    }
  }
  return undefined
}

/** One step of a property run: what it was, for messages, and what it answered. */
export interface Performed {
  readonly what: string
  readonly status: number
  readonly ms: number
}

/**
 * Runs each generated sequence of steps against a fresh daemon on `config`: every call answered
 * within its bound and never with a 5xx, the invariants holding once the tree settles after
 * each step, and no process of `names` left after the daemon stops. fast-check prints the seed
 * and the shrunk sequence of a failure (replay: DOCKLESS_SEED=n).
 */
export const assertTree = async <S>(
  config: string,
  names: ReadonlyArray<string>,
  steps: fc.Arbitrary<ReadonlyArray<S>>,
  perform: (d: Daemon, step: S, index: number) => Promise<Performed>,
  numRuns = 10,
) => {
  const seed = process.env["DOCKLESS_SEED"]
  await fc.assert(
    fc.asyncProperty(steps, async (sequence) => {
      const d = await startDaemon({ body: config })
      const instance = instanceOf(join(d.dir, "data"))
      try {
        let index = 0
        for (const s of sequence) {
          const { what, status, ms } = await perform(d, s, index++)
          expect(ms, `${what} answered in ${ms} ms`).toBeLessThan(CALL_BOUND_MS)
          expect([200, 201, 202, 204, 404, 409], `${what} answered ${status}`).toContain(status)
          let last: string | undefined
          await waitFor(
            `the tree to settle after ${what}`,
            async () => {
              last = await violation(d, instance, names)
              return last === undefined ? true : undefined
            },
            SETTLE_MS,
          ).catch(() => {
            throw new Error(`after ${what}: ${last}`)
          })
        }
      } finally {
        await d.stop()
      }
      // The daemon waits for a service's main process, not for the rest of its group (ignore-sigterm.sh's
      // `sleep 600` and `sleep 1`), which it SIGKILLs and init reaps: on a loaded machine those can
      // still be in /proc for a moment after the daemon exits (seen in CI), so allow that moment.
      for (const name of names) {
        await waitFor(
          `${name}'s processes to be gone after shutdown`,
          async () => (processesOf(instance, name).length === 0 ? true : undefined),
          2000,
        ).catch(() => undefined)
        expect(processesOf(instance, name), `${name} after shutdown`).toEqual([])
      }
    }),
    { numRuns, endOnFailure: true, ...(seed === undefined ? {} : { seed: Number(seed) }) },
  )
}
