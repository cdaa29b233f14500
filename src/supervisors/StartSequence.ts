// The one way the tree starts services, at boot and in every group restart or group start:
// each service is started once what it waits for (its depends_on, and the sibling before it
// in its group) is running, healthy when it has a check. One fiber and one subscription to the
// views serve the whole sequence, so starting many services costs one pass per change, not
// one subscriber per service. `start` is what starting means to the caller: resume at boot and
// in a crash restart (a service a person stopped stays stopped), launch for a person's start
// of a whole group. A dependency (depends_on) must be running; the sibling before it in its
// group need only have had its turn: running, or not meant to run (a person stopped it, or it
// ended for good), so one stopped member never holds back the rest of its group for ever. A
// oneshot dependency is met once it has exited with code 0 (a migration before the app). A
// service this sequence has still to start has not had its turn, whatever its view says: a
// group start after the group gave up finds every member `failed`, and that view is stale.
import { Effect, Queue } from "effect"
import { ServiceViews } from "../actors/ServiceViews.ts"
import type { ServiceView } from "../actors/ServiceView.ts"
import type { CommandFailure, ServiceSupervisor } from "./ServiceSupervisor.ts"

/** A oneshot (type = "oneshot") has done its work once it has exited with code 0 (systemd's Type=oneshot). */
const finishedOneshot = (view: ServiceView): boolean =>
  view.state === "exited" && view.exit?.code === 0 && view.spec["type"] === "oneshot"

/** Whether `before` lets `service` start: `dependency` when `service` depends_on it. */
const letsStart = (before: ServiceView | undefined, dependency: boolean): boolean => {
  if (before !== undefined && before.spec["type"] === "oneshot") {
    // A oneshot that is still running has not done its work yet.
    if (finishedOneshot(before)) return true
    if (before.state === "running") return false
  }
  if (before?.state === "running") return true
  if (dependency || before === undefined) return false
  return before.desired === "stopped" || before.state === "exited" || before.state === "failed"
}

export type Starter = (service: ServiceSupervisor) => Effect.Effect<unknown, CommandFailure>

export const startInOrder = (
  services: ReadonlyArray<ServiceSupervisor>,
  startAfter: ReadonlyMap<string, ReadonlyArray<string>>,
  start: Starter,
): Effect.Effect<void, never, ServiceViews> =>
  Effect.scoped(
    Effect.gen(function* () {
      const views = yield* ServiceViews
      const subscription = yield* views.subscribe
      const said = new Set<string>()
      let waiting = services
      while (waiting.length > 0) {
        const unstarted = new Set(waiting.map((s) => s.name))
        const ready: Array<ServiceSupervisor> = []
        const blocked: Array<ServiceSupervisor> = []
        for (const service of waiting) {
          const pending: Array<string> = []
          const dependsOn = service.spec().depends_on
          for (const name of startAfter.get(service.name) ?? []) {
            if (unstarted.has(name) || !letsStart(yield* views.get(name), dependsOn.includes(name)))
              pending.push(name)
          }
          if (pending.length === 0) ready.push(service)
          else {
            blocked.push(service)
            if (!said.has(service.name))
              service.capture.note(`waiting for ${pending.join(", ")} to be running`)
            said.add(service.name)
          }
        }
        yield* Effect.forEach(
          ready,
          (s) =>
            start(s).pipe(
              Effect.catchAll((failure) => Effect.logWarning(`${s.name}: not started: ${failure.message}`)),
            ),
          { concurrency: "unbounded", discard: true },
        )
        waiting = blocked
        if (waiting.length > 0) yield* Queue.takeBetween(subscription.events, 1, Number.MAX_SAFE_INTEGER)
      }
    }),
  )
