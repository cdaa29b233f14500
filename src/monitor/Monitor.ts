// CPU and memory of every running service's process group, sampled every 2 s, but only while
// it matters: while an event stream watches, for 30 s after a one-shot look (`touch`), or while
// a running service has memory_max. Otherwise its fiber waits on a signal with no timer armed.
// It keeps the latest usage and 5 minutes of history per service, and enforces memory_max by
// faulting the actor, which its supervisor then restarts by policy (an OTP child crash).
import { Clock, Context, Duration, Effect, Layer, PubSub, Queue, Ref, type Scope } from "effect"
import type { ServiceView } from "../actors/ServiceView.ts"
import { ServiceViews, type ViewChange } from "../actors/ServiceViews.ts"
import { sampleGroups, type GroupUsage } from "../os/ProcessTree.ts"
import { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import { judgeMemory, MemoryVerdict } from "./MemoryLimit.ts"
import { nextReading, type Reading, type Usage } from "./Usage.ts"
import { HISTORY_WINDOW_MS, UsageHistory, type UsagePoint } from "./UsageHistory.ts"

/** Reads the usage of the given process groups (ProcessTree in production, a fake in tests). */
export type Sampler = (pgids: ReadonlySet<number>) => ReadonlyMap<number, GroupUsage>

/** Faults a service's actor (through RootSupervisor in production); a service gone meanwhile is ignored. */
export type Fault = (name: string, reason: string) => Effect.Effect<void>

export interface UsageSample {
  readonly at: number
  /** Usage of every running service whose group was found, by service name. */
  readonly services: ReadonlyMap<string, Usage>
}

export interface MonitorShape {
  /** The usage of each service in the latest sample (possibly old: see `touch`). */
  readonly latest: Effect.Effect<ReadonlyMap<string, Usage>>
  /** The service's points of the last 5 minutes, oldest first. */
  readonly history: (name: string) => Effect.Effect<ReadonlyArray<UsagePoint>>
  /** A one-shot look: samples now unless the last sample is under 1 s old, then keeps sampling for 30 s. */
  readonly touch: Effect.Effect<void>
  /** Keeps the monitor sampling while the scope is open, and delivers every sample taken meanwhile. */
  readonly watch: Effect.Effect<Queue.Dequeue<UsageSample>, never, Scope.Scope>
  /** Every memory_max fault from now on, while the scope is open (the alerts read these). */
  readonly faults: Effect.Effect<Queue.Dequeue<MemoryFault>, never, Scope.Scope>
}

export interface MemoryFault {
  readonly name: string
  readonly reason: string
  readonly at: number
}

export const SAMPLE_INTERVAL_MS = 2000
const FRESH_MS = 1000
const LOOK_MS = 30_000
/** A point every 2 s for 5 minutes, plus room for the extra samples of one-shot looks. */
const HISTORY_CAPACITY = Math.ceil(HISTORY_WINDOW_MS / SAMPLE_INTERVAL_MS) + 30

const isUp = (view: ServiceView) => view.state === "running" || view.state === "starting"

/**
 * memory_max in bytes, read from the view: the actor publishes a view with its current spec on
 * every change, so this is the spec RootSupervisor holds, read without an Effect per service.
 */
const memoryMaxOf = (view: ServiceView): number | undefined => {
  const max = view.spec["memory_max"]
  return typeof max === "number" ? max : undefined
}

/** A removed service may have been the last one guarded. */
const mayGuard = (event: ViewChange): boolean =>
  event._tag === "Removed" || memoryMaxOf(event.view) !== undefined

interface Verdicts {
  readonly usages: ReadonlyMap<string, Usage>
  readonly faults: ReadonlyArray<{ readonly name: string; readonly reason: string }>
}

const make = (sampler: Sampler, fault: Fault) =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const watchers = yield* Ref.make(0)
    const lookUntil = yield* Ref.make(Number.NEGATIVE_INFINITY)
    const lastAt = yield* Ref.make(Number.NEGATIVE_INFINITY)
    const latest = yield* Ref.make<ReadonlyMap<string, Usage>>(new Map())
    const samples = yield* PubSub.sliding<UsageSample>(4)
    const faulted = yield* PubSub.sliding<MemoryFault>(64)
    /** Coalesced "something changed" signal: a watcher came, a look, a service changed. */
    const wake = yield* Queue.dropping<void>(1)
    const signal = Queue.offer(wake, undefined).pipe(Effect.asVoid)
    // Only `sample` reads or writes these, one sample at a time under `lock`.
    const lock = yield* Effect.makeSemaphore(1)
    const readings = new Map<string, Reading>()
    const strikes = new Map<string, number>()
    const histories = new Map<string, UsageHistory>()

    /** One pass, plain code (500 services must stay cheap): usage, history and memory verdicts. */
    const measure = (all: ReadonlyArray<ServiceView>, at: number): Verdicts => {
      const running = all.flatMap((v) => (v.pid === null ? [] : [{ view: v, pid: v.pid }]))
      const groups = sampler(new Set(running.map((r) => r.pid)))
      const usages = new Map<string, Usage>()
      const faults: Array<{ name: string; reason: string }> = []
      for (const { view, pid } of running) {
        const group = groups.get(pid)
        if (group === undefined) continue
        const { name } = view
        const { reading, usage } = nextReading(readings.get(name), pid, group, at)
        readings.set(name, reading)
        usages.set(name, usage)
        let history = histories.get(name)
        if (history === undefined) {
          history = new UsageHistory(HISTORY_CAPACITY)
          histories.set(name, history)
        }
        history.add(at, usage.cpu_percent, usage.rss_bytes)
        const verdict = isUp(view)
          ? judgeMemory(strikes.get(name) ?? 0, usage.rss_bytes, memoryMaxOf(view))
          : MemoryVerdict.Within()
        MemoryVerdict.$match(verdict, {
          Within: () => strikes.delete(name),
          Over: ({ strikes: n }) => strikes.set(name, n),
          Exceeded: ({ reason }) => {
            strikes.delete(name)
            faults.push({ name, reason })
          },
        })
      }
      const known = new Set(all.map((v) => v.name))
      for (const name of readings.keys()) if (!usages.has(name)) readings.delete(name)
      for (const name of strikes.keys()) if (!usages.has(name)) strikes.delete(name)
      for (const name of histories.keys()) if (!known.has(name)) histories.delete(name)
      return { usages, faults }
    }

    const sample = Effect.gen(function* () {
      const at = yield* Clock.currentTimeMillis
      const all = yield* views.all
      const { usages, faults } = yield* Effect.sync(() => measure(all, at))
      for (const { name, reason } of faults) {
        yield* Effect.logWarning(`${name}: ${reason}`)
        yield* fault(name, reason)
        yield* PubSub.publish(faulted, { name, reason, at })
      }
      yield* Ref.set(latest, usages)
      yield* Ref.set(lastAt, at)
      yield* PubSub.publish(samples, { at, services: usages })
    })

    /** Samples unless another sample (say, a concurrent look's) is younger than `maxAgeMs`. */
    const sampleIfOlder = (maxAgeMs: number) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (now - (yield* Ref.get(lastAt)) >= maxAgeMs) yield* sample
        }),
      )

    const guardsMemory = views.all.pipe(
      Effect.map((all) => all.some((v) => v.pid !== null && memoryMaxOf(v) !== undefined)),
    )

    const active = (now: number) =>
      Effect.gen(function* () {
        if ((yield* Ref.get(watchers)) > 0) return true
        if (now < (yield* Ref.get(lookUntil))) return true
        return yield* guardsMemory
      })

    const loop = Effect.gen(function* () {
      for (;;) {
        yield* Queue.takeAll(wake)
        const now = yield* Clock.currentTimeMillis
        if (!(yield* active(now))) {
          yield* Queue.take(wake)
          continue
        }
        const due = (yield* Ref.get(lastAt)) + SAMPLE_INTERVAL_MS
        if (due > now) {
          yield* Effect.sleep(Duration.millis(due - now))
          continue
        }
        yield* sampleIfOlder(SAMPLE_INTERVAL_MS / 2)
      }
    })

    // A change of a service with memory_max may start or end a guard: re-judge whether to sleep.
    // Other changes cannot, and in a crash storm they come 100 a second.
    const subscription = yield* views.subscribe
    yield* Queue.takeBetween(subscription.events, 1, Number.MAX_SAFE_INTEGER).pipe(
      Effect.flatMap((events) => ([...events].some(mayGuard) ? signal : Effect.void)),
      Effect.forever,
      Effect.forkScoped,
    )
    yield* Effect.forkScoped(
      loop.pipe(Effect.catchAllCause((cause) => Effect.logError("monitor stopped sampling", cause))),
    )

    const shape: MonitorShape = {
      latest: Ref.get(latest),
      history: (name) =>
        Clock.currentTimeMillis.pipe(Effect.map((now) => histories.get(name)?.read(now) ?? [])),
      touch: Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* Ref.update(lookUntil, (until) => Math.max(until, now + LOOK_MS))
        yield* sampleIfOlder(FRESH_MS)
        yield* signal
      }),
      watch: Effect.gen(function* () {
        const dequeue = yield* PubSub.subscribe(samples)
        yield* Effect.acquireRelease(Ref.update(watchers, (n) => n + 1).pipe(Effect.zipRight(signal)), () =>
          Ref.update(watchers, (n) => n - 1),
        )
        return dequeue
      }),
      faults: PubSub.subscribe(faulted),
    }
    return shape
  })

const faultThroughRoot = RootSupervisor.pipe(
  Effect.map(
    (root): Fault =>
      (name, reason) =>
        root.service(name).pipe(
          Effect.flatMap((service) => service.fault(reason)),
          Effect.ignore,
        ),
  ),
)

export class Monitor extends Context.Tag("dockless/monitor/Monitor")<Monitor, MonitorShape>() {
  static readonly layer: Layer.Layer<Monitor, never, ServiceViews | RootSupervisor> = Layer.scoped(
    Monitor,
    faultThroughRoot.pipe(Effect.flatMap((fault) => make(sampleGroups, fault))),
  )
  /** The monitor reading groups through `sampler` and faulting services through `fault`. */
  static readonly layerTest = (sampler: Sampler, fault: Fault): Layer.Layer<Monitor, never, ServiceViews> =>
    Layer.scoped(Monitor, make(sampler, fault))
}
