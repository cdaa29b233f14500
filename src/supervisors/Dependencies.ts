// depends_on as systemd's BindsTo=/Requires= mean it, once the tree runs: when a service goes
// `failed`, or a person stops it, everything that depends on it (directly or through others)
// is stopped, dependants first, with "stopped because db failed" in its view and log; when it
// runs again they start again in boot's order. A crash that its restart policy answers (a
// backoff) is not a reason: only a failure, or a person's stop. A person's start of a held
// dependant overrides the hold (see ServiceTransition). One fiber watches the views; the
// restarts run beside it, so a new change is heard while they wait.
import { Effect, type Fiber, FiberHandle, Queue, type Scope } from "effect"
import { ServiceViews } from "../actors/ServiceViews.ts"
import type { ServiceView } from "../actors/ServiceView.ts"
import type { ServiceSupervisor } from "./ServiceSupervisor.ts"
import { startInOrder } from "./StartSequence.ts"

/** Why the service is down in a way its dependants must follow, or undefined. */
export const downBecause = (view: ServiceView): string | undefined => {
  if (view.state === "failed") return "failed"
  if (view.state === "stopped" && view.desired === "stopped") return "was stopped"
  return undefined
}

/**
 * Every service that depends on `name`, directly or through others, in the order to stop them:
 * each after everything that depends on it. Pure over `dependsOn` (service → its depends_on).
 */
export const dependantsInStopOrder = (
  name: string,
  dependsOn: ReadonlyMap<string, ReadonlyArray<string>>,
): ReadonlyArray<string> => {
  const order: Array<string> = []
  const seen = new Set<string>([name])
  const visit = (of: string) => {
    for (const [dependant, deps] of dependsOn) {
      if (!deps.includes(of) || seen.has(dependant)) continue
      seen.add(dependant)
      visit(dependant)
      order.push(dependant)
    }
  }
  visit(name)
  return order
}

export const followDependencies = (
  services: () => ReadonlyMap<string, ServiceSupervisor>,
  startAfter: () => ReadonlyMap<string, ReadonlyArray<string>>,
): Effect.Effect<Fiber.RuntimeFiber<never>, never, ServiceViews | Scope.Scope> =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const subscription = yield* views.subscribe
    const restarts = yield* FiberHandle.make<void, never>()
    /** Dependants this watcher stopped, and for which service. */
    const held = new Map<string, string>()
    /** Services whose dependants were already stopped for their current failure or stop. */
    const down = new Set<string>()

    const stopDependants = (view: ServiceView, because: string) =>
      Effect.gen(function* () {
        const all = services()
        const dependsOn = new Map([...all.values()].map((s) => [s.name, s.spec().depends_on]))
        for (const name of dependantsInStopOrder(view.name, dependsOn)) {
          const dependant = all.get(name)
          const current = yield* views.get(name)
          if (dependant === undefined || current === undefined || current.desired !== "running") continue
          if (current.state === "failed" || current.state === "exited" || held.has(name)) continue
          const why = `stopped because ${view.name} ${because}`
          yield* Effect.logWarning(`${name}: ${why}`)
          held.set(name, view.name)
          yield* dependant.halt(why, "dependency")
        }
      })

    const startDependants = Effect.suspend(() => {
      const all = services()
      const waiting = [...held.keys()].flatMap((name) => all.get(name) ?? [])
      if (waiting.length === 0) return Effect.void
      return FiberHandle.run(
        restarts,
        startInOrder(waiting, startAfter(), (s) =>
          s.resume.pipe(Effect.tap(() => Effect.sync(() => held.delete(s.name)))),
        ).pipe(Effect.provideService(ServiceViews, views)),
      ).pipe(Effect.asVoid)
    })

    const onChange = (view: ServiceView) =>
      Effect.gen(function* () {
        const because = downBecause(view)
        if (because === undefined) down.delete(view.name)
        else if (!down.has(view.name)) {
          down.add(view.name)
          yield* stopDependants(view, because)
        }
        if (view.state === "running" && [...held.values()].includes(view.name)) yield* startDependants
      })

    return yield* Effect.forkScoped(
      Queue.take(subscription.events).pipe(
        Effect.flatMap((event) =>
          event._tag === "Changed"
            ? onChange(event.view)
            : Effect.sync(() => {
                held.delete(event.name)
                down.delete(event.name)
              }),
        ),
        Effect.catchAllCause((cause) => Effect.logError("dependency watcher error", cause)),
        Effect.forever,
      ),
    )
  })
