// The job cells of the transition table: a scheduled oneshot's start, stop, resume at boot
// (with and without catch_up, a firing ahead or missed), each overlap mode when a firing finds
// a run still going, the queued run, Run now, a oneshot's exit 0 as a success, and a scheduled
// run's end (0 or not) leaving its next firing armed. Pure: the time is an argument, so every
// delay is exact.
import { Deferred, FiberId } from "effect"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadCronFor } from "../../src/config/CronLibrary.ts"
import type { ServiceSpec } from "../../src/config/ServiceSpec.ts"
import { idleJob } from "../../src/supervisors/JobModel.ts"
import { ServiceEvent, type Reply } from "../../src/supervisors/ServiceEvent.ts"
import { initialModel, viewOf, type ServiceModel } from "../../src/supervisors/ServiceModel.ts"
import { ServiceState } from "../../src/supervisors/ServiceState.ts"
import { transition, type Transition } from "../../src/supervisors/ServiceTransition.ts"
import { specOf } from "../support/specs.ts"

const NOW = 1_700_000_000_000
const TEN_MIN = 600_000
const live = { run: 3, pid: 4242, startedAt: NOW - 5000 }
const reply = (): Reply => Deferred.unsafeMake(FiberId.none)

const job = (table: Record<string, unknown> = {}): ServiceSpec =>
  specOf("job", { command: "/bin/true", type: "oneshot", schedule: "every 10m", restart: "never", ...table })

const model = (spec: ServiceSpec, fields: Partial<ServiceModel> = {}): ServiceModel => ({
  ...initialModel({ spec, port: undefined, source: "config", membership: "alone", desired: "running" }),
  runs: 3,
  ...fields,
})
const armed = (spec: ServiceSpec, state: ServiceState, at = NOW) =>
  model(spec, { state, job: { ...idleJob, nextAt: at, epoch: 7 } })

/** The action tags, with the numbers that matter: Spawn's budget, ArmFiring's delay. */
const tags = (t: Transition): ReadonlyArray<string> =>
  t.actions.map((a) =>
    a._tag === "ArmFiring" ? `ArmFiring(${a.delay})` : a._tag === "Spawn" ? `Spawn(${a.budget})` : a._tag,
  )
const notes = (t: Transition): ReadonlyArray<string> =>
  t.actions.flatMap((a) => (a._tag === "Note" ? [a.text] : []))

beforeAll(() => Effect.runPromise(loadCronFor({ schedule: "* * * * *" })))

describe("a scheduled oneshot's start and stop", () => {
  it("a person's start arms the schedule, and does not run it", () => {
    const t = transition(model(job(), { desired: "stopped" }), ServiceEvent.Start({ reply: reply() }), NOW)
    expect(t.model.desired).toBe("running")
    expect(t.model.state._tag).toBe("Stopped")
    expect(t.model.job.nextAt).toBe(NOW + TEN_MIN)
    expect(tags(t)).toEqual([
      "PersistDesired",
      "CancelBackoff",
      `ArmFiring(${TEN_MIN})`,
      "RecordJob",
      "Note",
      "Reply",
      "Publish",
    ])
    expect(viewOf(t.model).next_run_at).toBe(new Date(NOW + TEN_MIN).toISOString())
  })

  it("a person's stop pauses the schedule on purpose: no next run until started again", () => {
    const t = transition(
      armed(job(), ServiceState.Exited({ exit: { code: 0, signal: null } })),
      ServiceEvent.Stop({ reply: reply() }),
      NOW - 10,
    )
    expect(t.model.job.nextAt).toBeNull()
    expect(tags(t)).toContain("CancelFiring")
    expect(viewOf(t.model).next_run_at).toBeNull()
    // A firing of the cancelled timer changes nothing.
    const late = transition(t.model, ServiceEvent.Fired({ epoch: 7 }), NOW)
    expect(tags(late)).toEqual([])
  })

  it("a person's stop of a running job stops the run and pauses the schedule", () => {
    const t = transition(
      armed(job(), ServiceState.Running(live)),
      ServiceEvent.Stop({ reply: reply() }),
      NOW - 10,
    )
    expect(t.model.state._tag).toBe("Stopping")
    expect(t.model.job.nextAt).toBeNull()
  })
})

describe("boot: the saved next firing", () => {
  const booted = (spec: ServiceSpec, resumeFrom: number) => model(spec, { job: { ...idleJob, resumeFrom } })

  it("keeps a firing still ahead where it was", () => {
    const t = transition(booted(job(), NOW + 1500), ServiceEvent.Resume({ reply: reply() }), NOW)
    expect(tags(t)).toEqual(["ArmFiring(1500)", "RecordJob", "Note", "Reply", "Publish"])
    expect(t.model.job.resumeFrom).toBeNull()
  })

  it("does not run a missed firing without catch_up, and says so", () => {
    const t = transition(booted(job(), NOW - 25 * 60_000), ServiceEvent.Resume({ reply: reply() }), NOW)
    expect(tags(t)).not.toContain("Spawn(free)")
    expect(notes(t)).toEqual([
      `missed the run due at ${new Date(NOW - 5 * 60_000).toISOString()} while Dockless was down; catch_up = false, not running it`,
    ])
    // "every 10m" keeps its phase: due at -25m, -15m, -5m, so next at +5m.
    expect(t.model.job.nextAt).toBe(NOW + 5 * 60_000)
  })

  it("with catch_up runs once, for the most recent missed firing", () => {
    const t = transition(
      booted(job({ catch_up: true }), NOW - 25 * 60_000),
      ServiceEvent.Resume({ reply: reply() }),
      NOW,
    )
    expect(tags(t).filter((a) => a.startsWith("Spawn"))).toEqual(["Spawn(free)"])
    expect(notes(t)[0]).toBe(
      `catching up the run due at ${new Date(NOW - 5 * 60_000).toISOString()}, missed while Dockless was down`,
    )
    expect(t.model.job.trigger).toBe("catch-up")
    expect(t.model.job.nextAt).toBe(NOW + 5 * 60_000)
  })
})

describe("a firing", () => {
  it("runs a job that is not running and arms the next firing", () => {
    const t = transition(armed(job(), ServiceState.Stopped()), ServiceEvent.Fired({ epoch: 7 }), NOW)
    expect(tags(t)).toEqual([
      `ArmFiring(${TEN_MIN})`,
      "RecordJob",
      "Note",
      "CancelBackoff",
      "Spawn(free)",
      "Publish",
    ])
    expect(t.model.job.trigger).toBe("schedule")
  })

  it("of an old timer, or early (a slice of a long wait), does not run", () => {
    expect(
      tags(transition(armed(job(), ServiceState.Stopped()), ServiceEvent.Fired({ epoch: 6 }), NOW)),
    ).toEqual([])
    expect(
      tags(
        transition(armed(job(), ServiceState.Stopped(), NOW + 90_000), ServiceEvent.Fired({ epoch: 7 }), NOW),
      ),
    ).toEqual(["ArmFiring(90000)"])
  })

  it("skips while the previous run goes, with overlap = skip, and says so", () => {
    const t = transition(armed(job(), ServiceState.Running(live)), ServiceEvent.Fired({ epoch: 7 }), NOW)
    expect(t.model.state).toEqual(ServiceState.Running(live))
    expect(notes(t)).toEqual([
      `the schedule run skipped: the run started at ${new Date(live.startedAt).toISOString()} (pid 4242) is still going (overlap = "skip")`,
    ])
    expect(t.model.job.nextAt).toBe(NOW + TEN_MIN)
  })

  it("queues one run with overlap = queue, and drops a second", () => {
    const first = transition(
      armed(job({ overlap: "queue" }), ServiceState.Running(live)),
      ServiceEvent.Fired({ epoch: 7 }),
      NOW,
    )
    expect(first.model.job.queued).toBe(true)
    const m = { ...first.model, job: { ...first.model.job, nextAt: NOW + 1 } }
    const second = transition(m, ServiceEvent.Fired({ epoch: first.model.job.epoch }), NOW + 1)
    expect(second.model.job.queued).toBe(true)
    expect(notes(second)[0]).toMatch(
      /^the schedule run dropped: .* and one run already waits \(overlap = "queue"\)$/,
    )
    // The current run ends: the queued one starts.
    const ended = transition(
      second.model,
      ServiceEvent.Exited({ run: 3, exit: { code: 0, signal: null }, unit: 0.5 }),
      NOW + 2,
    )
    expect(ended.model.job.queued).toBe(false)
    expect(ended.model.job.trigger).toBe("queue")
    expect(tags(ended)).toContain("Spawn(free)")
    expect(ended.model.job.runs[0]).toMatchObject({ outcome: "success", exit_code: 0, trigger: "start" })
  })

  it("stops the current run and starts again with overlap = kill", () => {
    const t = transition(
      armed(job({ overlap: "kill" }), ServiceState.Running(live)),
      ServiceEvent.Fired({ epoch: 7 }),
      NOW,
    )
    expect(t.model.state._tag === "Stopping" && t.model.state.after).toBe("start-again")
    expect(tags(t)).toContain("Signal")
    const ended = transition(
      t.model,
      ServiceEvent.Exited({ run: 3, exit: { code: null, signal: "SIGTERM" }, unit: 0.5 }),
      NOW + 100,
    )
    expect(tags(ended)).toContain("Spawn(free)")
    // The stopped run keeps what started it; the new one is the schedule's.
    expect(ended.model.job.runs[0]).toMatchObject({
      outcome: "stopped",
      signal: "SIGTERM",
      duration_ms: 5100,
      trigger: "start",
    })
    expect(ended.model.job.trigger).toBe("schedule")
  })

  it("is skipped while a group or dependency holds the job", () => {
    const held = {
      ...armed(job(), ServiceState.Stopped()),
      hold: { by: "dependency", why: "stopped because db failed" },
    } as const
    const t = transition(held, ServiceEvent.Fired({ epoch: 7 }), NOW)
    expect(tags(t)).not.toContain("Spawn(free)")
    expect(notes(t)).toEqual(["the scheduled run is skipped: stopped because db failed"])
  })

  it("follows a cron expression from the firing time", () => {
    const spec = job({ schedule: "*/10 * * * *" })
    const at = new Date(2026, 0, 1, 0, 10).getTime()
    const t = transition(armed(spec, ServiceState.Stopped(), at), ServiceEvent.Fired({ epoch: 7 }), at + 3)
    expect(t.model.job.nextAt).toBe(new Date(2026, 0, 1, 0, 20).getTime())
  })
})

describe("a oneshot's end", () => {
  it("exit 0 is a success: exited, never restarted, whatever restart says", () => {
    const spec = specOf("migrate", { command: "/bin/true", type: "oneshot", restart: "always" })
    const t = transition(
      model(spec, { state: ServiceState.Running(live) }),
      ServiceEvent.Exited({ run: 3, exit: { code: 0, signal: null }, unit: 0.5 }),
      NOW,
    )
    expect(t.model.state._tag).toBe("Exited")
    expect(tags(t)).not.toContain("ArmBackoff")
    expect(notes(t)).toEqual(["finished successfully (exit code 0) after 5s"])
    expect(viewOf(t.model).last_run).toEqual({
      started_at: new Date(NOW - 5000).toISOString(),
      ended_at: new Date(NOW).toISOString(),
      duration_ms: 5000,
      exit_code: 0,
      signal: null,
      outcome: "success",
      trigger: "start",
    })
  })

  it("a non-zero exit follows restart as for any service", () => {
    const spec = specOf("migrate", { command: "/bin/true", type: "oneshot", backoff: { jitter: 0 } })
    const t = transition(
      model(spec, { state: ServiceState.Running(live) }),
      ServiceEvent.Exited({ run: 3, exit: { code: 2, signal: null }, unit: 0.5 }),
      NOW,
    )
    expect(t.model.state._tag).toBe("Backoff")
    expect(t.model.job.runs[0]?.outcome).toBe("failure")
  })

  // PM2 #1767, #2622: with autorestart off, a cron app whose run exited was never run again.
  it('a scheduled run\'s end, exit 0 or 1 with restart = "never", leaves the next firing armed', () => {
    for (const code of [0, 1]) {
      const ended = transition(
        armed(job(), ServiceState.Running(live), NOW + TEN_MIN),
        ServiceEvent.Exited({ run: 3, exit: { code, signal: null }, unit: 0.5 }),
        NOW,
      )
      expect(ended.model.state).toEqual(ServiceState.Exited({ exit: { code, signal: null } }))
      expect(tags(ended)).not.toContain("CancelFiring")
      expect(ended.model.job.nextAt).toBe(NOW + TEN_MIN)
      const fired = transition(ended.model, ServiceEvent.Fired({ epoch: 7 }), NOW + TEN_MIN)
      expect(tags(fired)).toContain("Spawn(free)")
      expect(fired.model.job.trigger).toBe("schedule")
    }
  })

  it("a long-running service's exit 0 is judged as before, and keeps no runs", () => {
    const spec = specOf("api", { command: "/bin/true", restart: "always", backoff: { jitter: 0 } })
    const t = transition(
      model(spec, { state: ServiceState.Running(live) }),
      ServiceEvent.Exited({ run: 3, exit: { code: 0, signal: null }, unit: 0.5 }),
      NOW,
    )
    expect(t.model.state._tag).toBe("Backoff")
    expect(t.model.job).toBe(idleJob)
  })
})

describe("Run now", () => {
  it("runs a stopped job once, leaving it stopped (its schedule stays paused)", () => {
    const t = transition(model(job(), { desired: "stopped" }), ServiceEvent.RunNow({ reply: reply() }), NOW)
    expect(tags(t)).toEqual(["Note", "CancelBackoff", "Spawn(free)", "Reply"])
    expect(t.model.desired).toBe("stopped")
    expect(t.model.job.trigger).toBe("run-now")
  })

  it("follows overlap while a run goes", () => {
    const t = transition(
      armed(job(), ServiceState.Running(live)),
      ServiceEvent.RunNow({ reply: reply() }),
      NOW,
    )
    expect(notes(t)[0]).toMatch(
      /^Run now skipped: the run started at .* \(pid 4242\) is still going \(overlap = "skip"\)$/,
    )
  })
})
