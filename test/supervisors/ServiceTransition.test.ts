// The whole behaviour of one service, cell by cell: every state (with the variants that change
// an outcome: why a stop is under way, whether a group holds it, a port-busy backoff) × every
// event (current and stale: an exit of an earlier run, a cancelled timer, a late spawn result).
// Each cell pins the next state, the desired state, the group hold and the actions in order.
// Reading a row tells what a service does in that state; a changed cell is a changed behaviour.
// The same table for a group member is MemberTransition.test.ts.
import { describe, expect, it } from "vitest"
import { transition } from "../../src/supervisors/ServiceTransition.ts"
import { LONE_TABLE as TABLE } from "./loneTable.ts"
import { EVENTS, NOW, render, renderRestart, restartCell, STATES } from "./transitionCells.ts"

describe("ServiceTransition, every state × every event", () => {
  for (const [state, model] of STATES) {
    it(`from ${state}`, () => {
      const row = TABLE[state] ?? {}
      expect(Object.keys(row)).toEqual(EVENTS.map(([event]) => event))
      for (const [event, make] of EVENTS) {
        expect.soft(render(transition(model, make(), NOW)), `${state} × ${event}`).toBe(row[event])
      }
    })
  }
  it("covers every state of the table", () => {
    expect(Object.keys(TABLE)).toEqual(STATES.map(([state]) => state))
  })
})

/**
 * Why the last restart happened (a view's last_restart_reason, with restarts counted) and why
 * each run ended (its history), for every way a service is stopped and started again.
 */
const RESTART_TABLE: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
  ["Running", ["Exited"], "1 crash 1 : crash"],
  ["Running/backoff 0", ["Exited"], "1 crash 1 : crash"],
  ["Running", ["Restart"], "1 person 1 : "],
  ["Running", ["Restart", "Exited"], "1 person 1 : person"],
  ["Running", ["Stop", "Exited"], "0 - 0 : stop"],
  ["Running", ["Update", "Exited"], "1 reload 1 : reload"],
  ["Running", ["HealthChecked/fail", "Exited"], "1 health 1 : health"],
  ["Running", ["Fault", "Exited"], "1 memory_max 1 : memory_max"],
  ["Running", ["Halt", "Exited"], "1 group 1 : group"],
  ["Running", ["Halt/dependency", "Exited"], "1 dependency 1 : dependency"],
  ["Running", ["Close", "Exited"], "0 - 0 : shutdown"],
  ["Running", ["GiveUp", "Exited"], "0 - 0 : group"],
  ["Running/delegated", ["Exited"], "1 crash 1 : crash"],
  ["Running/counted", ["Exited"], "1 crash 1 : crash"],
  ["Backoff/held", ["Halt"], "0 - 0 : "],
  ["Stopping/fault", ["Exited"], "1 crash 1 : crash"],
  ["Stopping/start-again", ["Exited"], "0 - 0 : person"],
  ["Stopping/stay-stopped", ["KillOverdue"], "0 - 0 : stop"],
  // A crash loop: each restart is counted with its time (recent_restarts), each end kept.
  ["Running", ["Exited", "Spawned", "Exited", "Spawned", "Exited"], "3 crash 3 : crash crash crash"],
  // A health fault's reason is the run's own: the next run's crash is a crash again.
  ["Running", ["HealthChecked/fail", "Exited", "Spawned", "Exited"], "2 crash 2 : crash health"],
]

describe("ServiceTransition, why a service restarted and why each run ended", () => {
  for (const [state, events, expected] of RESTART_TABLE)
    it(`from ${state} after ${events.join(", ")}`, () => {
      expect(renderRestart(restartCell(state, events, transition))).toBe(expected)
    })
})
