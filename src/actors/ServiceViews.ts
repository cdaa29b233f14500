// The latest ServiceView of every service and the stream of changes to them: the one place
// actors publish to and the HTTP layer, CLI and metrics read from. Fan-out never blocks an
// actor: a subscriber that falls behind is marked lagged and resynchronises from a snapshot.
import { Context, Effect, Layer, Queue, type Scope } from "effect"
import type { ServiceView } from "./ServiceView.ts"

/** A change to the published views: one service's new view, or a service gone. */
export type ViewChange =
  | { readonly _tag: "Changed"; readonly view: ServiceView }
  | { readonly _tag: "Removed"; readonly name: string }

export interface Subscription {
  readonly events: Queue.Dequeue<ViewChange>
  /** True once events were dropped for this subscriber; reading it clears it. */
  readonly takeLagged: Effect.Effect<boolean>
}

export interface ServiceViewsShape {
  readonly publish: (view: ServiceView) => Effect.Effect<void>
  readonly remove: (name: string) => Effect.Effect<void>
  readonly all: Effect.Effect<ReadonlyArray<ServiceView>>
  /** Changes with every publish and remove: what was derived from `all` at one version still holds. */
  readonly version: Effect.Effect<number>
  readonly get: (name: string) => Effect.Effect<ServiceView | undefined>
  readonly subscribe: Effect.Effect<Subscription, never, Scope.Scope>
}

interface Subscriber {
  readonly queue: Queue.Queue<ViewChange>
  lagged: boolean
}

const SUBSCRIBER_BUFFER = 512

export class ServiceViews extends Context.Tag("dockless/actors/ServiceViews")<
  ServiceViews,
  ServiceViewsShape
>() {
  static readonly layer = Layer.effect(
    ServiceViews,
    Effect.gen(function* () {
      // Changed in place: a publish per restart in a crash storm must not copy the whole map
      // (that churn was measured as old-space growth). Readers get arrays or single views.
      const views = new Map<string, ServiceView>()
      let version = 0
      const subscribers = new Set<Subscriber>()
      const fanOut = (event: ViewChange) =>
        Effect.forEach(subscribers, (s) =>
          Queue.offer(s.queue, event).pipe(
            Effect.map((accepted) => {
              if (!accepted) s.lagged = true
            }),
          ),
        )
      return {
        publish: (view) =>
          Effect.suspend(() => {
            views.set(view.name, view)
            version++
            return fanOut({ _tag: "Changed", view })
          }),
        remove: (name) =>
          Effect.suspend(() => {
            views.delete(name)
            version++
            return fanOut({ _tag: "Removed", name })
          }),
        all: Effect.sync(() => [...views.values()]),
        version: Effect.sync(() => version),
        get: (name) => Effect.sync(() => views.get(name)),
        subscribe: Effect.acquireRelease(
          Queue.dropping<ViewChange>(SUBSCRIBER_BUFFER).pipe(
            Effect.map((queue) => {
              const subscriber: Subscriber = { queue, lagged: false }
              subscribers.add(subscriber)
              return subscriber
            }),
          ),
          (s) => Effect.sync(() => subscribers.delete(s)).pipe(Effect.zipRight(Queue.shutdown(s.queue))),
        ).pipe(
          Effect.map((s) => ({
            events: s.queue,
            takeLagged: Effect.sync(() => {
              const lagged = s.lagged
              s.lagged = false
              return lagged
            }),
          })),
        ),
      }
    }),
  )
}
