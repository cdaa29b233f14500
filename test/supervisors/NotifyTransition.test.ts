// Notify, cell by cell: a service with `ready = "notify"` and `watchdog = "1s"` in each state its
// socket tells apart × the notify events (current, stale, an old ping's timer) and the events of
// the main table whose outcome the watchdog changes; and every state of the main table × the
// notify events, which change nothing for a service that is not running them. The watchdog is
// armed when start-up is complete (whichever event completes it) and rearmed by each ping.
import { describe, expect, it } from "vitest"
import { transition } from "../../src/supervisors/ServiceTransition.ts"
import { viewOf } from "../../src/supervisors/ServiceModel.ts"
import {
  EVENTS,
  NOTIFY_CROSS_EVENTS,
  NOTIFY_EVENTS,
  NOTIFY_STATES,
  NOW,
  render,
  STATES,
} from "./transitionCells.ts"

const COLUMNS = [...NOTIFY_EVENTS, ...EVENTS.filter(([event]) => NOTIFY_CROSS_EVENTS.includes(event))]

const TABLE: Record<string, Record<string, string>> = {
  "Stopped/notify": {
    "Notified/status": "Stopped running : ",
    "Notified/ping": "Stopped running : ",
    "Notified/mainpid": "Stopped running : ",
    "Notified/stopping": "Stopped running : ",
    "Notified/stale": "Stopped running : ",
    WatchdogMissed: "Stopped running : ",
    "WatchdogMissed/old ping": "Stopped running : ",
    "WatchdogMissed/stale": "Stopped running : ",
    Readied: "Stopped running : ",
    Spawned: "Starting running : Note RecordRun ArmStartTimeout Publish",
    Exited: "Stopped running : ",
    "HealthChecked/pass": "Stopped running : ",
  },
  "Starting/notify": {
    "Notified/status": "Starting running : Publish",
    "Notified/ping": "Starting running : ",
    "Notified/mainpid": "Starting running : Note Publish",
    "Notified/stopping": "Starting running : Note Publish",
    "Notified/stale": "Starting running : ",
    WatchdogMissed: "Starting running : ",
    "WatchdogMissed/old ping": "Starting running : ",
    "WatchdogMissed/stale": "Starting running : ",
    Readied: "Running running : Note ArmWatchdog Publish",
    Spawned: "Starting running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Starting running : ",
  },
  "Starting/notify, unchecked": {
    "Notified/status": "Starting running : Publish",
    "Notified/ping": "Starting running : ",
    "Notified/mainpid": "Starting running : Note Publish",
    "Notified/stopping": "Starting running : Note Publish",
    "Notified/stale": "Starting running : ",
    WatchdogMissed: "Starting running : ",
    "WatchdogMissed/old ping": "Starting running : ",
    "WatchdogMissed/stale": "Starting running : ",
    Readied: "Starting running : Note",
    Spawned: "Starting running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Starting running : Note Publish",
  },
  "Starting/notify, ready, unchecked": {
    "Notified/status": "Starting running : Publish",
    "Notified/ping": "Starting running : ",
    "Notified/mainpid": "Starting running : Note Publish",
    "Notified/stopping": "Starting running : Note Publish",
    "Notified/stale": "Starting running : ",
    WatchdogMissed: "Starting running : ",
    "WatchdogMissed/old ping": "Starting running : ",
    "WatchdogMissed/stale": "Starting running : ",
    Readied: "Starting running : ",
    Spawned: "Starting running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Running running : Note ArmWatchdog Publish",
  },
  "Running/notify": {
    "Notified/status": "Running running : Publish",
    "Notified/ping": "Running running : ArmWatchdog",
    "Notified/mainpid": "Running running : Note Publish",
    "Notified/stopping": "Running running : Note Publish",
    "Notified/stale": "Running running : ",
    WatchdogMissed: "Stopping/fault running : Note Note Signal ArmStopOverdue Publish",
    "WatchdogMissed/old ping": "Running running : ",
    "WatchdogMissed/stale": "Running running : ",
    Readied: "Running running : ",
    Spawned: "Running running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Running running : ",
  },
  "Running/notify, no watchdog": {
    "Notified/status": "Running running : Publish",
    "Notified/ping": "Running running : ",
    "Notified/mainpid": "Running running : Note Publish",
    "Notified/stopping": "Running running : Note Publish",
    "Notified/stale": "Running running : ",
    WatchdogMissed: "Running running : ",
    "WatchdogMissed/old ping": "Running running : ",
    "WatchdogMissed/stale": "Running running : ",
    Readied: "Running running : ",
    Spawned: "Running running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Running running : ",
  },
  "Stopping/fault/notify": {
    "Notified/status": "Stopping/fault running : Publish",
    "Notified/ping": "Stopping/fault running : ",
    "Notified/mainpid": "Stopping/fault running : Note Publish",
    "Notified/stopping": "Stopping/fault running : Note Publish",
    "Notified/stale": "Stopping/fault running : ",
    WatchdogMissed: "Stopping/fault running : ",
    "WatchdogMissed/old ping": "Stopping/fault running : ",
    "WatchdogMissed/stale": "Stopping/fault running : ",
    Readied: "Stopping/fault running : ",
    Spawned: "Stopping/fault running : ",
    Exited: "Backoff running : EndRun Note ArmBackoff Publish",
    "HealthChecked/pass": "Stopping/fault running : ",
  },
  "Backoff/notify": {
    "Notified/status": "Backoff running : ",
    "Notified/ping": "Backoff running : ",
    "Notified/mainpid": "Backoff running : ",
    "Notified/stopping": "Backoff running : ",
    "Notified/stale": "Backoff running : ",
    WatchdogMissed: "Backoff running : ",
    "WatchdogMissed/old ping": "Backoff running : ",
    "WatchdogMissed/stale": "Backoff running : ",
    Readied: "Backoff running : ",
    Spawned: "Starting running : Note RecordRun ArmStartTimeout Publish",
    Exited: "Backoff running : ",
    "HealthChecked/pass": "Backoff running : ",
  },
}

describe("ServiceTransition of a notify service with a watchdog, every notify state × the events notify changes", () => {
  for (const [state, model] of NOTIFY_STATES) {
    it(`from ${state}`, () => {
      const row = TABLE[state] ?? {}
      expect(Object.keys(row)).toEqual(COLUMNS.map(([event]) => event))
      for (const [event, make] of COLUMNS) {
        expect.soft(render(transition(model, make(), NOW)), `${state} × ${event}`).toBe(row[event])
      }
    })
  }
  it("covers every notify state", () => {
    expect(Object.keys(TABLE)).toEqual(NOTIFY_STATES.map(([state]) => state))
  })
})

describe("ServiceTransition without notify, every state × the notify events", () => {
  for (const [state, model] of STATES) {
    it(`from ${state}, they change nothing`, () => {
      for (const [event, make] of NOTIFY_EVENTS) {
        const next = transition(model, make(), NOW)
        expect.soft(next.model, `${state} × ${event}`).toBe(model)
        expect.soft(next.actions, `${state} × ${event}`).toEqual([])
      }
    })
  }
})

describe("what a notify service shows and notes", () => {
  const at = (name: string) => {
    const found = NOTIFY_STATES.find(([state]) => state === name)?.[1]
    if (found === undefined) throw new Error(`no state ${name}`)
    return found
  }
  const event = (name: string) => {
    const found = [...NOTIFY_EVENTS, ...EVENTS].find(([e]) => e === name)?.[1]
    if (found === undefined) throw new Error(`no event ${name}`)
    return found()
  }
  const notes = (t: ReturnType<typeof transition>) =>
    t.actions.flatMap((a) => (a._tag === "Note" ? [a.text] : []))

  it("shows STATUS=, says stopping after STOPPING=1, and shows MAINPID= only while it runs", () => {
    const running = at("Running/notify")
    expect(viewOf(running).status).toBe("warming up")
    const status = transition(running, event("Notified/status"), NOW).model
    expect(viewOf(status).status).toBe("serving")
    const stopping = transition(status, event("Notified/stopping"), NOW)
    expect(viewOf(stopping.model).status).toBe("stopping: serving")
    expect(notes(stopping)).toEqual(["it sent STOPPING=1: it is shutting down by itself"])
    const main = transition(running, event("Notified/mainpid"), NOW)
    expect(viewOf(main.model).main_pid).toBe(4250)
    expect(viewOf(main.model).pid).toBe(4242)
    expect(notes(main)).toEqual([
      "its main process is pid 4250 (MAINPID=); a stop still signals its whole process group",
    ])
    const ended = transition(main.model, event("Exited"), NOW).model
    expect(viewOf(ended).main_pid).toBeNull()
    expect(viewOf(ended).status).toBe("warming up")
  })

  it("forgets what the last run said when the next one is spawned", () => {
    const next = transition(at("Backoff/notify"), event("Spawned"), NOW).model
    expect(viewOf(next).status).toBeNull()
    expect(next.notified.pings).toBe(0)
  })

  it("arms the watchdog with the ping count it is for, and says why it stopped the service", () => {
    const ready = transition(at("Starting/notify"), event("Readied"), NOW)
    expect(ready.actions.find((a) => a._tag === "ArmWatchdog")).toEqual(
      expect.objectContaining({ run: 3, ping: 2, delay: 1000 }),
    )
    const pinged = transition(ready.model, event("Notified/ping"), NOW)
    expect(pinged.actions.find((a) => a._tag === "ArmWatchdog")).toEqual(
      expect.objectContaining({ run: 3, ping: 3, delay: 1000 }),
    )
    expect(notes(transition(at("Running/notify"), event("WatchdogMissed"), NOW))[0]).toBe(
      "no WATCHDOG=1 within 1s since its last one (watchdog): a failure",
    )
  })
})
