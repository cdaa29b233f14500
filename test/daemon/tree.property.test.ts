// A property test of the whole tree against a real daemon: random sequences of start, stop,
// restart, register, update, delete and SIGKILL-the-child, and after each step, once the tree
// has settled, the invariants of TREE.md: at most one process per service, the view agrees
// with /proc (a pid alive iff the state says so), no process left after a stop or a delete,
// every call answered within its bound and never with a 5xx. Bounded in runs, steps and time;
// fast-check prints the seed and the shrunk sequence of a failure (replay: DOCKLESS_SEED=n).
import { FastCheck as fc } from "effect"
import { describe, it } from "vitest"
import { FIXTURES, type Daemon } from "../support/daemon.ts"
import { assertTree, call, killService } from "../support/treeInvariants.ts"

const CONFIGURED = ["a", "b"] as const
const REGISTERED = ["r0", "r1"] as const
const ALL = [...CONFIGURED, ...REGISTERED]

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
    case "kill":
      return killService(d, s.name)
  }
}

describe("the tree under random commands", () => {
  it("keeps one process per service, views true to /proc, nothing left after stop, every call answered", async () => {
    await assertTree(CONFIG, ALL, fc.array(step, { minLength: 1, maxLength: 12 }), async (d, s, variant) => ({
      what: `${s.op} ${s.name}`,
      ...(await perform(d, s, variant)),
    }))
  }, 300_000)
})
