// A property test of the whole tree against a real daemon: random sequences of start, stop,
// restart, register, update, delete and SIGKILL-the-child, and after each step, once the tree
// has settled, the invariants of TREE.md: at most one process per service, the view agrees
// with /proc (a pid alive iff the state says so), no process left after a stop or a delete,
// every call answered within its bound and never with a 5xx. Bounded in runs, steps and time;
// fast-check prints the seed and the shrunk sequence of a failure (replay: DOCKLESS_SEED=n).
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { instanceOf } from "../../src/os/Markers.ts"
import { FIXTURES, isAlive, startDaemon, waitFor, type Daemon } from "../support/daemon.ts"

const CONFIGURED = ["a", "b"] as const
const REGISTERED = ["r0", "r1"] as const
const ALL = [...CONFIGURED, ...REGISTERED]
/** The daemon's own bound on a command (COMMAND_BOUND_MS) and slack for the HTTP round trip. */
const CALL_BOUND_MS = 11_000
const SETTLE_MS = 10_000

type Step =
  | { readonly op: "start" | "stop" | "restart" | "kill"; readonly name: string }
  | { readonly op: "register" | "update" | "delete"; readonly name: string }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom<"start" | "stop" | "restart">("start", "stop", "restart"),
      name: fc.constantFrom(...ALL),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant<"kill">("kill"), name: fc.constantFrom(...ALL) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom<"register" | "update" | "delete">("register", "update", "delete"),
      name: fc.constantFrom(...REGISTERED),
    }),
  },
)

const CONFIG = `
[services.a]
command = "${FIXTURES}/sleeper.sh"
restart = "always"
backoff = { initial = 0 }
intensity = { max_restarts = 1000, period = "1m" }
[services.b]
command = "${FIXTURES}/ignore-sigterm.sh"
stop_timeout = "300ms"
backoff = { initial = "50ms", jitter = 0 }
intensity = { max_restarts = 1000, period = "1m" }
`

const registration = (name: string, variant: number) => ({
  name,
  command: `${FIXTURES}/sleeper.sh`,
  args: [String(variant)],
  restart: "always",
  backoff: { initial: "50ms", jitter: 0 },
  intensity: { max_restarts: 1000, period: "1m" },
})

interface Marked {
  readonly pid: number
  readonly ppid: number
  readonly pgid: number
}

/** Live processes carrying this daemon's marker for `service`. */
const processesOf = (instance: string, service: string): Array<Marked> =>
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

const call = async (d: Daemon, method: string, path: string, body?: unknown) => {
  const sent = Date.now()
  const response = await fetch(`${d.url}${path}`, {
    method,
    signal: AbortSignal.timeout(CALL_BOUND_MS),
    headers: { authorization: `Bearer test-token-0123456789`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  await response.arrayBuffer()
  return { status: response.status, ms: Date.now() - sent }
}

const perform = async (d: Daemon, s: Step, variant: number) => {
  switch (s.op) {
    case "start":
    case "stop":
    case "restart":
      return call(d, "POST", `/api/services/${s.name}/${s.op}`)
    case "register":
      return call(d, "POST", "/api/services", registration(s.name, variant))
    case "update":
      return call(d, "PUT", `/api/services/${s.name}`, registration(s.name, variant))
    case "delete":
      return call(d, "DELETE", `/api/services/${s.name}`)
    case "kill": {
      const view = await fetch(`${d.url}/api/services/${s.name}`, {
        headers: { authorization: "Bearer test-token-0123456789" },
      })
      const pid = view.ok ? ((await view.json()) as { pid: number | null }).pid : null
      if (pid !== null && isAlive(pid)) process.kill(pid, "SIGKILL")
      return { status: 200, ms: 0 }
    }
  }
}

/** Why the tree does not (yet) satisfy the invariants, or undefined when it does. */
const violation = async (d: Daemon, instance: string): Promise<string | undefined> => {
  for (const name of ALL) {
    const response = await fetch(`${d.url}/api/services/${name}`, {
      headers: { authorization: "Bearer test-token-0123456789" },
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

describe("the tree under random commands", () => {
  it("keeps one process per service, views true to /proc, nothing left after stop, every call answered", async () => {
    const seed = process.env["DOCKLESS_SEED"]
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const d = await startDaemon({ body: CONFIG })
        const instance = instanceOf(join(d.dir, "data"))
        try {
          let variant = 0
          for (const s of steps) {
            const { status, ms } = await perform(d, s, variant++)
            expect(ms, `${s.op} ${s.name} answered in ${ms} ms`).toBeLessThan(CALL_BOUND_MS)
            expect([200, 201, 202, 204, 404, 409], `${s.op} ${s.name} answered ${status}`).toContain(status)
            let last: string | undefined
            await waitFor(
              `the tree to settle after ${s.op} ${s.name}`,
              async () => {
                last = await violation(d, instance)
                return last === undefined ? true : undefined
              },
              SETTLE_MS,
            ).catch(() => {
              throw new Error(`after ${s.op} ${s.name}: ${last}`)
            })
          }
        } finally {
          await d.stop()
        }
        for (const name of ALL) expect(processesOf(instance, name), `${name} after shutdown`).toEqual([])
      }),
      { numRuns: 10, endOnFailure: true, ...(seed === undefined ? {} : { seed: Number(seed) }) },
    )
  }, 300_000)
})
