// The alerts as a service the daemon, the API and the dashboard use: each [[notify]] target's
// state, "send test", and Dockless's own start and stop. Only this small module is in the
// daemon's startup path: with no [[notify]] table the layer is a no-op and the notifier itself
// (Notifications.ts and everything it imports) is never loaded, so a daemon without alerts pays
// nothing in RSS for them. A target's delivery runs on its own fiber: nothing here waits on it.
import { Context, Effect, Layer } from "effect"
import type { Config } from "../config/Config.ts"
import type { AlertKind, TargetType } from "../config/NotifySpec.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import type { Monitor } from "../monitor/Monitor.ts"

export interface TargetStatus {
  readonly index: number
  readonly name: string
  readonly type: TargetType
  /** The URL without credentials or query, or the command line: what it sends to, never a secret. */
  readonly destination: string
  readonly events: ReadonlyArray<AlertKind>
  readonly services: ReadonlyArray<string>
  readonly sent: number
  /** Alerts given up on after every retry. */
  readonly failed: number
  /** Held back: deduplicated, over the rate limit, or a queue that was full. */
  readonly deduped: number
  readonly rate_limited: number
  readonly dropped: number
  /** Waiting in its queue now (a slow endpoint's backlog). */
  readonly pending: number
  readonly last_sent_at: string | null
  readonly last_error: { readonly message: string; readonly at: string } | null
}

export interface TestResult {
  readonly index: number
  readonly name: string
  readonly ok: boolean
  readonly error: string | null
}

export interface NotifierShape {
  readonly targets: Effect.Effect<ReadonlyArray<TargetStatus>>
  /** Sends a test alert to one target (by index) or all, once each; what each said. */
  readonly test: (index: number | undefined) => Effect.Effect<ReadonlyArray<TestResult>>
  /** "Dockless started": queued like any alert. */
  readonly started: (services: number) => Effect.Effect<void>
  /** "Dockless stopped": sent now, one try per target, all within STOPPED_BOUND_MS. */
  readonly stopped: Effect.Effect<void>
}

/** How long a stopping daemon waits for its "stopped" alerts: a dead endpoint must not hold shutdown. */
export const STOPPED_BOUND_MS = 2000

const disabled: NotifierShape = {
  targets: Effect.succeed([]),
  test: () => Effect.succeed([]),
  started: () => Effect.void,
  stopped: Effect.void,
}

export class Notifier extends Context.Tag("dockless/notify/Notifier")<Notifier, NotifierShape>() {
  static readonly layer = (config: Config): Layer.Layer<Notifier, never, ServiceViews | Monitor> =>
    Layer.scoped(
      Notifier,
      config.notify.length === 0
        ? Effect.succeed(disabled)
        : Effect.promise(() => import("./Notifications.ts")).pipe(
            Effect.flatMap(({ makeNotifications }) => makeNotifications(config.notify)),
          ),
    )

  /** Says "Dockless started" when built and "Dockless stopped" when released (bounded). */
  static readonly lifecycle: Layer.Layer<never, never, Notifier | ServiceViews> = Layer.scopedDiscard(
    Effect.gen(function* () {
      const notifier = yield* Notifier
      const services = (yield* (yield* ServiceViews).all).length
      yield* Effect.acquireRelease(notifier.started(services), () => notifier.stopped)
    }),
  )
}
