// Waiting on what a service's published view says, with a bound: the tree's owners use it to
// stop members one after another (a group's stop in reverse order) without a message protocol
// of their own. A wait that runs out is logged, never hangs its caller.
import { Effect, Queue } from "effect"
import { ServiceViews } from "../actors/ServiceViews.ts"
import type { ServiceView } from "../actors/ServiceView.ts"

const LIVE = new Set(["starting", "running", "stopping"])

/** Until `ok` holds for the service's view (or it is gone), at most `bound` ms. */
export const untilView = (
  name: string,
  ok: (view: ServiceView) => boolean,
  bound: number,
  what: string,
): Effect.Effect<void, never, ServiceViews> =>
  Effect.scoped(
    Effect.gen(function* () {
      const views = yield* ServiceViews
      const subscription = yield* views.subscribe
      for (;;) {
        const view = yield* views.get(name)
        if (view === undefined || ok(view)) return
        yield* Queue.take(subscription.events)
      }
    }),
  ).pipe(
    Effect.timeout(bound),
    Effect.catchAll(() => Effect.logWarning(`${name}: still not ${what} after ${bound} ms; going on`)),
  )

/** Until its process is gone. */
export const untilStopped = (name: string, bound: number) =>
  untilView(name, (v) => !LIVE.has(v.state), bound, "stopped")
