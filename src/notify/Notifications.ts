// The notifier itself, loaded only when config.toml has [[notify]] tables (Notifier.ts). One
// reader fiber turns view changes and memory_max faults into observations (ViewAlerts.ts) and
// passes each through every target's gate (Gate.ts); what passes goes into that target's own
// bounded queue, which its own fiber delivers with retries (Delivery.ts). So supervision never
// waits on delivery, and a slow or dead endpoint delays nobody but its own queue: a second and
// third alert after the first are all delivered in turn (supervisor #220 stalls after one).
import { hostname } from "node:os"
import { Clock, Effect, Fiber, Queue, Ref } from "effect"
import type { NotifySpec } from "../config/NotifySpec.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import type { ServiceView } from "../actors/ServiceView.ts"
import { Monitor } from "../monitor/Monitor.ts"
import { Alert, payloadOf, titleOf } from "./Alert.ts"
import { deliver, deliverOnce } from "./Delivery.ts"
import type { DeliveryFailed } from "./DeliveryFailed.ts"
import { admit, emptyGate, policyOf, type GateState, type Policy } from "./Gate.ts"
import { STOPPED_BOUND_MS, type NotifierShape, type TargetStatus, type TestResult } from "./Notifier.ts"
import { observe, type Observation, type Sight } from "./ViewAlerts.ts"

/** Alerts waiting per target: past this a burst is dropped (and counted), not kept in memory. */
const QUEUE_CAPACITY = 64
/** A test answers within the API's request deadline, whatever the target's own timeout. */
const TEST_BOUND_MS = 8000

interface Queued {
  readonly alert: Alert
  readonly suppressed: number
}

type Counters = Omit<TargetStatus, "pending">

/**
 * Where a target sends, as the API shows it: a URL's origin only, because its path is often the
 * secret (a Slack hook's path, an ntfy topic name), or the command line.
 */
const destinationOf = (spec: NotifySpec): string => {
  const target = spec.destination
  if (target._tag === "Command") return [target.command, ...target.args].join(" ")
  return `${new URL(target.url).origin}/…`
}

interface Target {
  readonly policy: Policy
  readonly queue: Queue.Queue<Queued>
  readonly status: Ref.Ref<Counters>
}

const iso = (ms: number) => new Date(ms).toISOString()

const makeTarget = (spec: NotifySpec) =>
  Effect.gen(function* () {
    const status = yield* Ref.make<Counters>({
      index: spec.index,
      name: spec.name,
      type: spec.type,
      destination: destinationOf(spec),
      events: spec.events,
      services: spec.services,
      sent: 0,
      failed: 0,
      deduped: 0,
      rate_limited: 0,
      dropped: 0,
      last_sent_at: null,
      last_error: null,
    })
    const target: Target = {
      policy: policyOf(spec),
      queue: yield* Queue.dropping<Queued>(QUEUE_CAPACITY),
      status,
    }
    return target
  })

const noteSent = (target: Target) =>
  Clock.currentTimeMillis.pipe(
    Effect.flatMap((now) =>
      Ref.update(target.status, (s) => ({ ...s, sent: s.sent + 1, last_sent_at: iso(now) })),
    ),
  )

const noteFailed = (target: Target, failure: DeliveryFailed, count: boolean) =>
  Clock.currentTimeMillis.pipe(
    Effect.flatMap((now) =>
      Ref.update(target.status, (s) => ({
        ...s,
        failed: s.failed + (count ? 1 : 0),
        last_error: { message: failure.reason, at: iso(now) },
      })),
    ),
  )

/** The target's fiber: one alert at a time, each with its retries, forever. */
const deliveryLoop = (target: Target, host: string) => {
  const spec = target.policy.spec
  const one = (queued: Queued) =>
    deliver(spec, payloadOf(queued.alert, host, queued.suppressed), (failure) =>
      Effect.logInfo(`notify ${spec.name}: ${titleOf(queued.alert)}: ${failure.reason}`),
    ).pipe(
      Effect.zipRight(noteSent(target)),
      Effect.catchAll((failure) =>
        noteFailed(target, failure, true).pipe(
          Effect.zipRight(
            Effect.logWarning(
              `notify ${spec.name}: could not deliver "${titleOf(queued.alert)}" after ${spec.retries + 1} tries: ${failure.reason}`,
            ),
          ),
        ),
      ),
    )
  return Queue.take(target.queue).pipe(Effect.flatMap(one), Effect.forever)
}

export const makeNotifications = (specs: ReadonlyArray<NotifySpec>) =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const monitor = yield* Monitor
    const host = hostname()
    const targets = yield* Effect.forEach(specs, makeTarget)
    for (const target of targets) yield* Effect.forkScoped(deliveryLoop(target, host))

    // Owned by the reader fiber alone (and `started`, which runs before it sees anything).
    const sights = new Map<string, Sight>()
    const gates = new Map<Target, GateState>(targets.map((t) => [t, emptyGate]))

    const pass = (observation: Observation) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        for (const target of targets) {
          const [gate, verdict] = admit(gates.get(target) ?? emptyGate, target.policy, observation, now)
          gates.set(target, gate)
          switch (verdict._tag) {
            case "Ignored":
              break
            case "Deduped":
              yield* Ref.update(target.status, (s) => ({ ...s, deduped: s.deduped + 1 }))
              break
            case "RateLimited":
              yield* Ref.update(target.status, (s) => ({ ...s, rate_limited: s.rate_limited + 1 }))
              break
            case "Send": {
              const accepted = yield* Queue.offer(target.queue, {
                alert: verdict.alert,
                suppressed: verdict.suppressed,
              })
              if (!accepted) {
                yield* Ref.update(target.status, (s) => ({ ...s, dropped: s.dropped + 1 }))
                yield* Effect.logWarning(
                  `notify ${target.policy.spec.name}: dropped "${titleOf(verdict.alert)}": ${QUEUE_CAPACITY} alerts wait already`,
                )
              }
            }
          }
        }
      })

    const onView = (view: ServiceView) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const { sight, observations } = observe(sights.get(view.name), view, now)
        sights.set(view.name, sight)
        for (const observation of observations) yield* pass(observation)
      })

    const subscription = yield* views.subscribe
    // Those that exist already: a service that failed during boot is news too.
    for (const view of yield* views.all) yield* onView(view)
    const readViews = Effect.gen(function* () {
      const changes = yield* Queue.takeBetween(subscription.events, 1, Number.MAX_SAFE_INTEGER)
      // Changes were dropped for us: the current views tell what we missed.
      const lagged = yield* subscription.takeLagged
      for (const change of changes) {
        if (change._tag === "Removed") sights.delete(change.name)
        else yield* onView(change.view)
      }
      if (lagged) for (const view of yield* views.all) yield* onView(view)
    }).pipe(Effect.forever)
    const faults = yield* monitor.faults
    const readFaults = Queue.take(faults).pipe(
      Effect.flatMap(({ name, reason, at }) =>
        pass({ _tag: "Raised", alert: Alert.MemoryMax({ service: name, reason, at }) }),
      ),
      Effect.forever,
    )
    // Two readers share the gates safely: each gate's read, decision and write run without a
    // yield between them, so neither fiber ever sees the other's half-made step.
    yield* Effect.forkScoped(readViews)
    yield* Effect.forkScoped(readFaults)

    const testOne = (target: Target) =>
      Effect.gen(function* () {
        const spec = target.policy.spec
        const at = yield* Clock.currentTimeMillis
        const once = deliverOnce(
          { ...spec, timeout: Math.min(spec.timeout, TEST_BOUND_MS) },
          payloadOf(Alert.Test({ at }), host, 0),
        )
        return yield* once.pipe(
          Effect.zipRight(noteSent(target)),
          Effect.as<TestResult>({ index: spec.index, name: spec.name, ok: true, error: null }),
          Effect.catchAll((failure) =>
            noteFailed(target, failure, false).pipe(
              Effect.as<TestResult>({ index: spec.index, name: spec.name, ok: false, error: failure.reason }),
            ),
          ),
        )
      })

    const shape: NotifierShape = {
      targets: Effect.forEach(targets, (target) =>
        Effect.zipWith(Ref.get(target.status), Queue.size(target.queue), (status, size) => ({
          ...status,
          // A queue's size is negative while its fiber waits on it empty.
          pending: Math.max(0, size),
        })),
      ),
      test: (index) =>
        Effect.forEach(
          targets.filter((t) => index === undefined || t.policy.spec.index === index),
          testOne,
          { concurrency: "unbounded" },
        ),
      started: (services) =>
        Clock.currentTimeMillis.pipe(
          Effect.flatMap((at) => pass({ _tag: "Raised", alert: Alert.DocklessStarted({ services, at }) })),
        ),
      // Runs as a finalizer of a fiber being interrupted: uninterruptible, so a timeout inside
      // could not stop a hung try. On a fiber of its own, made interruptible again (a fork
      // inherits the mask), the timeouts work; the finalizer waits for it (<= STOPPED_BOUND_MS).
      stopped: Effect.forkDaemon(
        Effect.interruptible(
          Effect.gen(function* () {
            const at = yield* Clock.currentTimeMillis
            const alert = Alert.DocklessStopped({ at })
            const wanting = targets.filter((t) => t.policy.spec.events.includes("dockless_stopped"))
            yield* Effect.forEach(
              wanting,
              (target) =>
                deliverOnce(target.policy.spec, payloadOf(alert, host, 0)).pipe(
                  Effect.catchAll((failure) =>
                    Effect.logWarning(
                      `notify ${target.policy.spec.name}: could not say "Dockless stopped": ${failure.reason}`,
                    ),
                  ),
                ),
              { concurrency: "unbounded", discard: true },
            ).pipe(
              Effect.timeout(STOPPED_BOUND_MS),
              Effect.catchTag("TimeoutException", () =>
                Effect.logWarning(
                  `notify: "Dockless stopped" was not delivered within ${STOPPED_BOUND_MS} ms; stopping anyway`,
                ),
              ),
            )
          }),
        ),
      ).pipe(Effect.flatMap(Fiber.join)),
    }
    return shape
  })
