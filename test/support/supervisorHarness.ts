// One service supervisor on the tree's real dependencies (views, a store in a temp dir, the spawn
// budget, escapees), for tests that drive it with real processes under Effect's TestClock: the
// layer, and a supervisor with a way to wait (on published views, never on time) for the next
// view that matches, every view kept in order.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Queue } from "effect"
import { Escapees } from "../../src/actors/Escapees.ts"
import { OutputCapture } from "../../src/actors/OutputCapture.ts"
import type { ServiceView } from "../../src/actors/ServiceView.ts"
import { ServiceViews } from "../../src/actors/ServiceViews.ts"
import type { Desired } from "../../src/state/Store.ts"
import { Store } from "../../src/state/Store.ts"
import { makeServiceSupervisor } from "../../src/supervisors/ServiceSupervisor.ts"
import { SpawnBudget } from "../../src/supervisors/SpawnBudget.ts"
import { specOf } from "./specs.ts"

/** What a supervisor runs on; `dataDir` a fresh temp dir unless a test prepared one. */
export const treeLayer = (dataDir = mkdtempSync(join(tmpdir(), "dockless-supervisor-"))) =>
  Layer.mergeAll(ServiceViews.layer, Store.layer(dataDir), SpawnBudget.layer, Escapees.layer)

export interface ActorOptions {
  readonly name?: string
  readonly desired?: Desired
  /** Where its notify socket goes (a temp dir of its own when it uses notify). */
  readonly runDir?: string
}

/** Starts a supervisor for `table` (alone, from config) and a subscription to what it publishes. */
export const actorFor = (table: Record<string, unknown>, options: ActorOptions = {}) =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const subscription = yield* views.subscribe
    const capture = new OutputCapture({ file: undefined })
    const actor = yield* makeServiceSupervisor({
      identity: { instance: "test", boot: "0", runDir: options.runDir ?? "/tmp/dockless-test-run" },
      spec: specOf(options.name ?? "svc", table),
      source: "config",
      desired: options.desired ?? "stopped",
      capture,
      port: undefined,
      membership: "alone",
      report: () => Effect.void,
    })
    const seen: Array<ServiceView> = []
    /** Waits for the next published view matching `ok`. */
    const next = (ok: (v: ServiceView) => boolean) =>
      Effect.gen(function* () {
        for (;;) {
          const event = yield* Queue.take(subscription.events)
          if (event._tag !== "Changed") continue
          seen.push(event.view)
          if (ok(event.view)) return event.view
        }
      })
    return { actor, next, seen, capture }
  })
