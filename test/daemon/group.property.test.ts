// The property test of the tree for grouped services: random sequences of a person's start,
// stop and restart of members and of whole groups, and SIGKILL of members (crashes), over a
// rest_for_one and a one_for_all group, one of whose members is slow to stop. After each step,
// once the tree has settled, the invariants of TREE.md hold (support/treeInvariants.ts), and
// every call is answered within its bound.
import { FastCheck as fc } from "effect"
import { describe, it } from "vitest"
import { FIXTURES, type Daemon } from "../support/daemon.ts"
import { assertTree, call, killService } from "../support/treeInvariants.ts"

const GROUPS = { chain: ["a", "b", "c"], pair: ["x", "y"] } as const
const MEMBERS = [...GROUPS.chain, ...GROUPS.pair]

type Step =
  | { readonly op: "start" | "stop" | "restart" | "kill"; readonly name: string }
  | { readonly op: "group-start" | "group-stop" | "group-restart"; readonly group: keyof typeof GROUPS }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom<"start" | "stop" | "restart">("start", "stop", "restart"),
      name: fc.constantFrom(...MEMBERS),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant<"kill">("kill"), name: fc.constantFrom(...MEMBERS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom<"group-start" | "group-stop" | "group-restart">(
        "group-start",
        "group-stop",
        "group-restart",
      ),
      group: fc.constantFrom<keyof typeof GROUPS>("chain", "pair"),
    }),
  },
)

const member = (name: string, command: string) =>
  `[services.${name}]\ncommand = "${FIXTURES}/${command}"\nrestart = "always"\n` +
  `backoff = { initial = "50ms", factor = 1, jitter = 0 }\n`

const CONFIG =
  member("a", "sleeper.sh") +
  member("b", "ignore-sigterm.sh") +
  `stop_timeout = "300ms"\n` +
  member("c", "sleeper.sh") +
  member("x", "sleeper.sh") +
  member("y", "sleeper.sh") +
  `[supervisors.chain]\nstrategy = "rest_for_one"\nchildren = ["a", "b", "c"]\n` +
  `intensity = { max_restarts = 6, period = "1m" }\n` +
  `[supervisors.pair]\nstrategy = "one_for_all"\nchildren = ["x", "y"]\n` +
  `intensity = { max_restarts = 6, period = "1m" }\n`

const perform = async (d: Daemon, s: Step) => {
  switch (s.op) {
    case "start":
    case "stop":
    case "restart":
      return { what: `${s.op} ${s.name}`, ...(await call(d, "POST", `/api/services/${s.name}/${s.op}`)) }
    case "kill":
      return { what: `kill ${s.name}`, ...(await killService(d, s.name)) }
    default: {
      const verb = s.op.slice("group-".length)
      return {
        what: `${verb} group ${s.group}`,
        ...(await call(d, "POST", `/api/groups/${s.group}/${verb}`)),
      }
    }
  }
}

describe("grouped services under random commands and crashes", () => {
  it("keeps one process per service, views true to /proc, nothing left after stop, every call answered", async () => {
    await assertTree(CONFIG, MEMBERS, fc.array(step, { minLength: 1, maxLength: 12 }), perform, 8)
  }, 300_000)
})
