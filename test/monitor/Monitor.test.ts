// The monitor's timing under TestClock with a fake sampler: it sleeps when nobody looks and no
// running service has memory_max, samples every 2 s while watched, samples on a look and for
// 30 s after it, and faults a service whose RSS stays above memory_max for two samples.
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Queue, Scope, TestClock } from "effect"
import { initialModel, viewOf } from "../../src/supervisors/ServiceModel.ts"
import { ServiceState } from "../../src/supervisors/ServiceState.ts"
import { ServiceViews } from "../../src/actors/ServiceViews.ts"
import type { GroupUsage } from "../../src/os/ProcessTree.ts"
import { Monitor } from "../../src/monitor/Monitor.ts"
import { specOf } from "../support/specs.ts"

const MiB = 1024 * 1024

/** A fake /proc: every asked-for group uses `rss()` bytes and 10 more ticks per read. */
const fakeProc = (rss: () => number = () => 10 * MiB) => {
  const calls: Array<ReadonlySet<number>> = []
  let ticks = 0
  const sampler = (pgids: ReadonlySet<number>) => {
    calls.push(pgids)
    ticks += 10
    const out = new Map<number, GroupUsage>()
    for (const pgid of pgids) {
      out.set(pgid, {
        cpuTicks: ticks,
        rssBytes: rss(),
        processes: 1,
        leaderStartTicks: 5,
        leaderAgeTicks: 1000,
      })
    }
    return out
  }
  return { sampler, calls }
}

const setup = (table: Record<string, unknown>, rss?: () => number) =>
  Effect.gen(function* () {
    const proc = fakeProc(rss)
    const faults: Array<string> = []
    const spec = specOf("svc", { command: "sleep", ...table })
    const layer = Monitor.layerTest(proc.sampler, (name, reason) =>
      Effect.sync(() => void faults.push(`${name}: ${reason}`)),
    ).pipe(Layer.provideMerge(ServiceViews.layer))
    const context = yield* Layer.build(layer)
    const views = Context.get(context, ServiceViews)
    const monitor = Context.get(context, Monitor)
    yield* views.publish(
      viewOf({
        ...initialModel({ spec, source: "config", port: undefined, membership: "alone", desired: "running" }),
        state: ServiceState.Running({ run: 1, pid: 4242, startedAt: 0 }),
      }),
    )
    yield* settle
    return { proc, faults, monitor }
  })

/** Lets forked fibers run up to their next wait. */
const settle = Effect.yieldNow().pipe(Effect.repeatN(50))
const advance = (ms: number) => TestClock.adjust(ms).pipe(Effect.zipRight(settle))

describe("Monitor under TestClock", () => {
  it.scoped("takes no sample while nobody watches and no service has memory_max", () =>
    Effect.gen(function* () {
      const { proc, monitor } = yield* setup({})
      yield* advance(60_000)
      expect(proc.calls.length).toBe(0)
      expect((yield* monitor.latest).size).toBe(0)
    }),
  )

  it.scoped("samples at once and every 2 s while watched, and stops when the watcher goes", () =>
    Effect.gen(function* () {
      const { proc, monitor } = yield* setup({})
      const scope = yield* Scope.make()
      const samples = yield* monitor.watch.pipe(Scope.extend(scope))
      yield* settle
      expect(proc.calls.length).toBe(1)
      expect([...(proc.calls[0] ?? [])]).toEqual([4242])
      yield* advance(1999)
      expect(proc.calls.length).toBe(1)
      yield* advance(1)
      expect(proc.calls.length).toBe(2)
      yield* advance(4000)
      expect(proc.calls.length).toBe(4)
      const delivered = yield* Queue.takeAll(samples)
      expect(delivered.length).toBe(4)
      const last = [...delivered].at(-1)
      // 10 ticks (0.1 s of CPU) per 2 s sample: 5 % of a core.
      expect(last?.services.get("svc")).toEqual({
        pid: 4242,
        cpu_percent: 5,
        cpu_seconds: 0.4,
        rss_bytes: 10 * MiB,
      })
      yield* Scope.close(scope, Exit.void)
      yield* advance(60_000)
      expect(proc.calls.length).toBe(4)
      expect((yield* monitor.history("svc")).length).toBe(4)
    }),
  )

  it.scoped("samples on a look unless the last sample is under 1 s old, then for 30 s after", () =>
    Effect.gen(function* () {
      const { proc, monitor } = yield* setup({})
      yield* monitor.touch
      expect(proc.calls.length).toBe(1)
      // First look at a group: the average over the leader's life (10 of 1000 ticks).
      expect((yield* monitor.latest).get("svc")?.cpu_percent).toBe(1)
      yield* advance(500)
      yield* monitor.touch
      expect(proc.calls.length).toBe(1)
      // The look at 500 ms extends the window to 30.5 s; the loop samples at 2, 4, ... 30 s.
      yield* advance(29_500)
      expect(proc.calls.length).toBe(16)
      yield* advance(60_000)
      expect(proc.calls.length).toBe(16)
    }),
  )

  it.scoped("faults a service above memory_max for two samples in a row, with nobody watching", () =>
    Effect.gen(function* () {
      let rss = 100 * MiB
      const { proc, faults } = yield* setup({ memory_max: "64MiB" }, () => rss)
      expect(proc.calls.length).toBe(1)
      expect(faults).toEqual([])
      yield* advance(2000)
      expect(faults).toEqual(["svc: memory 100 MiB above memory_max 64 MiB for two samples; restarting"])
      // The strikes start again after a fault.
      yield* advance(2000)
      expect(faults.length).toBe(1)
      // A sample below clears the strike.
      rss = 10 * MiB
      yield* advance(2000)
      rss = 100 * MiB
      yield* advance(2000)
      expect(faults.length).toBe(1)
      yield* advance(2000)
      expect(faults.length).toBe(2)
      expect(proc.calls.length).toBe(6)
    }),
  )
})
