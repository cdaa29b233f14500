// Readiness, cell by cell: a service with `ready` (alone, and with a health check too) in each
// state readiness tells apart × the readiness events (current and stale) and the events of the
// main table whose outcome `ready` changes; and every state of the main table × the readiness
// events, which change nothing for a service without `ready`. Both must hold for `running`
// when a service has both: the first health pass and its one-time `ready` condition.
import { describe, expect, it } from "vitest"
import { transition } from "../../src/supervisors/ServiceTransition.ts"
import {
  EVENTS,
  NOW,
  READY_CROSS_EVENTS,
  READY_EVENTS,
  READY_STATES,
  render,
  STATES,
} from "./transitionCells.ts"

const COLUMNS = [...READY_EVENTS, ...EVENTS.filter(([event]) => READY_CROSS_EVENTS.includes(event))]

const TABLE: Record<string, Record<string, string>> = {
  "Stopped/ready": {
    Readied: "Stopped running : ",
    "Readied/stale": "Stopped running : ",
    ReadyTimedOut: "Stopped running : ",
    "ReadyTimedOut/stale": "Stopped running : ",
    Fault: "Stopped running : ",
    Spawned: "Starting running : Note RecordRun ArmStartTimeout Publish",
    Exited: "Stopped running : ",
    "HealthChecked/pass": "Stopped running : ",
    "HealthChecked/fail": "Stopped running : ",
  },
  "Starting/not ready": {
    Readied: "Running running : Note Publish",
    "Readied/stale": "Starting running : ",
    ReadyTimedOut: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    "ReadyTimedOut/stale": "Starting running : ",
    Fault: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    Spawned: "Starting running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Starting running : ",
    "HealthChecked/fail": "Starting running : ",
  },
  "Starting/not ready, unchecked": {
    Readied: "Starting running : Note",
    "Readied/stale": "Starting running : ",
    ReadyTimedOut: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    "ReadyTimedOut/stale": "Starting running : ",
    Fault: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    Spawned: "Starting running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Starting running : Note Publish",
    "HealthChecked/fail": "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
  },
  "Starting/not ready, healthy": {
    Readied: "Running running : Note Publish",
    "Readied/stale": "Starting running : ",
    ReadyTimedOut: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    "ReadyTimedOut/stale": "Starting running : ",
    Fault: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    Spawned: "Starting running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Starting running : Publish",
    "HealthChecked/fail": "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
  },
  "Starting/ready, unchecked": {
    Readied: "Starting running : ",
    "Readied/stale": "Starting running : ",
    ReadyTimedOut: "Starting running : ",
    "ReadyTimedOut/stale": "Starting running : ",
    Fault: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    Spawned: "Starting running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Running running : Note Publish",
    "HealthChecked/fail": "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
  },
  "Running/ready": {
    Readied: "Running running : ",
    "Readied/stale": "Running running : ",
    ReadyTimedOut: "Running running : ",
    "ReadyTimedOut/stale": "Running running : ",
    Fault: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    Spawned: "Running running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Running running : ",
    "HealthChecked/fail": "Running running : ",
  },
  "Stopping/fault/ready": {
    Readied: "Stopping/fault running : ",
    "Readied/stale": "Stopping/fault running : ",
    ReadyTimedOut: "Stopping/fault running : ",
    "ReadyTimedOut/stale": "Stopping/fault running : ",
    Fault: "Stopping/fault running : ",
    Spawned: "Stopping/fault running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Stopping/fault running : ",
    "HealthChecked/fail": "Stopping/fault running : ",
  },
  "Backoff/ready": {
    Readied: "Backoff running : ",
    "Readied/stale": "Backoff running : ",
    ReadyTimedOut: "Backoff running : ",
    "ReadyTimedOut/stale": "Backoff running : ",
    Fault: "Backoff running : ",
    Spawned: "Starting running : Note RecordRun ArmStartTimeout Publish",
    Exited: "Backoff running : ",
    "HealthChecked/pass": "Backoff running : ",
    "HealthChecked/fail": "Backoff running : ",
  },
}

describe("ServiceTransition of a service with ready, every readiness state × the events readiness changes", () => {
  for (const [state, model] of READY_STATES) {
    it(`from ${state}`, () => {
      const row = TABLE[state] ?? {}
      expect(Object.keys(row)).toEqual(COLUMNS.map(([event]) => event))
      for (const [event, make] of COLUMNS) {
        expect.soft(render(transition(model, make(), NOW)), `${state} × ${event}`).toBe(row[event])
      }
    })
  }
  it("covers every readiness state", () => {
    expect(Object.keys(TABLE)).toEqual(READY_STATES.map(([state]) => state))
  })
})

describe("ServiceTransition without ready, every state × the readiness events", () => {
  for (const [state, model] of STATES) {
    it(`from ${state}, they change nothing`, () => {
      for (const [event, make] of READY_EVENTS) {
        const next = transition(model, make(), NOW)
        expect.soft(next.model, `${state} × ${event}`).toBe(model)
        expect.soft(next.actions, `${state} × ${event}`).toEqual([])
      }
    })
  }
})

describe("readiness notes", () => {
  const [, notReady] = READY_STATES[1] ?? []
  it("says what was seen when it is ready, and why a start failed when it was not", () => {
    if (notReady === undefined) throw new Error("no state")
    const ready = READY_EVENTS[0]?.[1]
    const timedOut = READY_EVENTS[2]?.[1]
    if (ready === undefined || timedOut === undefined) throw new Error("no event")
    const notes = (t: ReturnType<typeof transition>) =>
      t.actions.flatMap((a) => (a._tag === "Note" ? [a.text] : []))
    expect(notes(transition(notReady, ready(), NOW))).toEqual(["ready (port 9 accepts connections); running"])
    expect(notes(transition(notReady, timedOut(), NOW))[0]).toBe(
      "not ready within 30s (start_timeout; waiting for port 9 accepting on 127.0.0.1): a failed start",
    )
  })
})
