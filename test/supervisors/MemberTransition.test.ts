// The whole behaviour of a group member, cell by cell, as ServiceTransition.test.ts has it for a
// lone service: every state of that table, for a member of a one_for_one group and of a
// one_for_all or rest_for_one group (and one whose history is past any intensity), × every
// event. A member does what a lone service does (LONE_TABLE) except in the cells below, which
// are all about who counts and who restarts.
import { describe, expect, it } from "vitest"
import { transition } from "../../src/supervisors/ServiceTransition.ts"
import { LONE_TABLE } from "./loneTable.ts"
import { EVENTS, MEMBER_STATES, NOW, render } from "./transitionCells.ts"

/**
 * Where a member differs from a lone service: its crashes (an exit, a refused spawn, a fault that
 * ends its run) are reported to its group, which counts them against the group's intensity (a
 * member never gives up on its own, however many restarts its history holds). A counted member
 * (one_for_one) restarts by itself after its backoff; a delegated one (one_for_all,
 * rest_for_one) waits, held, for its group to decide.
 */
const MEMBER_DIFFERENCES: Record<string, Record<string, string>> = {
  "Stopped/counted": {
    SpawnRefused: "Backoff stopped : Note Report ArmBackoff Publish",
  },
  "Stopped/held/counted": {
    SpawnRefused: "Backoff running held : Note Report ArmBackoff Publish",
  },
  "Starting/counted": {
    Exited: "Backoff running : EndRun Note Report ArmBackoff Publish",
  },
  "Running/counted": {
    Exited: "Backoff running : EndRun Note Report ArmBackoff Publish",
  },
  "Running/backoff 0/counted": {
    Exited: "Backoff running : EndRun Note Report Spawn(ask) Publish",
  },
  "Stopping/fault/counted": {
    Exited: "Backoff running : EndRun Note Report ArmBackoff Publish",
    KillOverdue: "Backoff running : Note EndRun Note Report ArmBackoff Publish",
  },
  "Backoff/counted": {
    SpawnRefused: "Backoff running : Note Report ArmBackoff Publish",
  },
  "Backoff/held/counted": {
    SpawnRefused: "Backoff running held : Note Report ArmBackoff Publish",
  },
  "Backoff/port/counted": {
    SpawnRefused: "Backoff running : Note Report ArmBackoff Publish",
  },
  "Exited/counted": {
    SpawnRefused: "Backoff running : Note Report ArmBackoff Publish",
  },
  "Failed/counted": {
    SpawnRefused: "Backoff running : Note Report ArmBackoff Publish",
  },
  "Stopped/dependency/counted": {
    SpawnRefused: "Backoff running held/dependency : Note Report ArmBackoff Publish",
  },
  "Running/counted/past intensity": {
    Exited: "Backoff running : EndRun Note Report ArmBackoff Publish",
  },
  "Stopped/delegated": {
    SpawnRefused: "Backoff stopped held : Note Report Publish",
  },
  "Stopped/held/delegated": {
    SpawnRefused: "Backoff running held : Note Report Publish",
  },
  "Starting/delegated": {
    Exited: "Backoff running held : EndRun Note Report Publish",
  },
  "Running/delegated": {
    Exited: "Backoff running held : EndRun Note Report Publish",
  },
  "Running/backoff 0/delegated": {
    Exited: "Backoff running held : EndRun Note Report Publish",
  },
  "Stopping/fault/delegated": {
    Exited: "Backoff running held : EndRun Note Report Publish",
    KillOverdue: "Backoff running held : Note EndRun Note Report Publish",
  },
  "Backoff/delegated": {
    SpawnRefused: "Backoff running held : Note Report Publish",
  },
  "Backoff/held/delegated": {
    SpawnRefused: "Backoff running held : Note Report Publish",
  },
  "Backoff/port/delegated": {
    SpawnRefused: "Backoff running held : Note Report Publish",
  },
  "Exited/delegated": {
    SpawnRefused: "Backoff running held : Note Report Publish",
  },
  "Failed/delegated": {
    SpawnRefused: "Backoff running held : Note Report Publish",
  },
  "Stopped/dependency/delegated": {
    SpawnRefused: "Backoff running held : Note Report Publish",
  },
  "Running/delegated/past intensity": {
    Exited: "Backoff running held : EndRun Note Report Publish",
  },
}

/** The lone service's state a member state stands for: "Backoff/port/counted" → "Backoff/port". */
const loneStateOf = (state: string): string =>
  state
    .split("/")
    .filter((part) => part !== "counted" && part !== "delegated" && part !== "past intensity")
    .join("/")

describe("ServiceTransition of a group member, every state × every event", () => {
  for (const [state, model] of MEMBER_STATES) {
    it(`from ${state}`, () => {
      const lone = LONE_TABLE[loneStateOf(state)] ?? {}
      const differences = MEMBER_DIFFERENCES[state] ?? {}
      for (const [event, make] of EVENTS) {
        expect
          .soft(render(transition(model, make(), NOW)), `${state} × ${event}`)
          .toBe(differences[event] ?? lone[event])
      }
    })
  }
  it("lists only cells that differ from the lone service's, for states and events that exist", () => {
    const states = MEMBER_STATES.map(([state]) => state)
    const events = EVENTS.map(([event]) => event)
    for (const [state, row] of Object.entries(MEMBER_DIFFERENCES)) {
      expect(states).toContain(state)
      for (const [event, cell] of Object.entries(row)) {
        expect(events).toContain(event)
        expect(cell, `${state} × ${event}`).not.toBe(LONE_TABLE[loneStateOf(state)]?.[event])
      }
    }
  })
})
