// Boot order: every service whose desired state is running is started once what it waits for
// (its depends_on, and the sibling before it in its group) is running, healthy when it has a
// check. One fiber and one subscription to the views serve the whole boot, so a boot of many
// services costs one pass per change, not one subscriber per service. A service a person
// started or stopped meanwhile is left as they wanted: the boot only resumes it.
import { Effect, Queue } from "effect"
import { ServiceViews } from "../actors/ServiceViews.ts"
import type { ServiceSupervisor } from "./ServiceSupervisor.ts"

export const bootInOrder = (
  services: ReadonlyArray<ServiceSupervisor>,
  startAfter: ReadonlyMap<string, ReadonlyArray<string>>,
): Effect.Effect<void, never, ServiceViews> =>
  Effect.scoped(
    Effect.gen(function* () {
      const views = yield* ServiceViews
      const subscription = yield* views.subscribe
      const said = new Set<string>()
      let waiting = services
      while (waiting.length > 0) {
        const ready: Array<ServiceSupervisor> = []
        const blocked: Array<ServiceSupervisor> = []
        for (const service of waiting) {
          const pending: Array<string> = []
          for (const name of startAfter.get(service.name) ?? []) {
            if ((yield* views.get(name))?.state !== "running") pending.push(name)
          }
          if (pending.length === 0) ready.push(service)
          else {
            blocked.push(service)
            if (!said.has(service.name))
              service.capture.note(`waiting for ${pending.join(", ")} to be running`)
            said.add(service.name)
          }
        }
        yield* Effect.forEach(ready, (s) => Effect.ignore(s.resume), {
          concurrency: "unbounded",
          discard: true,
        })
        waiting = blocked
        if (waiting.length > 0) yield* Queue.takeBetween(subscription.events, 1, Number.MAX_SAFE_INTEGER)
      }
    }),
  )
