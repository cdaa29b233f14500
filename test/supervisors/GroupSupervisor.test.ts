// A group supervisor under Effect's TestClock with real child processes: the group's own
// backoff, when configured, decides when a one_for_all group starts again, not the crashed
// child's.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Queue, TestClock } from "effect"
import { Escapees } from "../../src/actors/Escapees.ts"
import { OutputCapture } from "../../src/actors/OutputCapture.ts"
import type { ServiceView } from "../../src/actors/ServiceView.ts"
import { ServiceViews } from "../../src/actors/ServiceViews.ts"
import * as Schema from "effect/Schema"
import { GroupTable, groupOf } from "../../src/config/GroupSpec.ts"
import { Store } from "../../src/state/Store.ts"
import { makeGroupSupervisor } from "../../src/supervisors/GroupSupervisor.ts"
import { SpawnBudget } from "../../src/supervisors/SpawnBudget.ts"
import { specOf } from "../support/specs.ts"

const layer = () =>
  Layer.mergeAll(
    ServiceViews.layer,
    Store.layer(mkdtempSync(join(tmpdir(), "dockless-group-"))),
    SpawnBudget.layer,
    Escapees.layer,
  )

const child = (name: string, table: Record<string, unknown>) => ({
  identity: { instance: "test", boot: "0", runDir: "/tmp/dockless-test-run" },
  spec: specOf(name, table),
  source: "config" as const,
  desired: "stopped" as const,
  capture: new OutputCapture({ file: undefined }),
  port: undefined,
})

/** Lets every fiber that can run, run: what the group would do now, it has done. */
const settle = Effect.repeatN(Effect.yieldNow(), 200)

describe("GroupSupervisor under TestClock", () => {
  it.scoped("waits the group's backoff, not the crashed child's, before starting the group again", () =>
    Effect.gen(function* () {
      const views = yield* ServiceViews
      const subscription = yield* views.subscribe
      const next = (name: string, ok: (v: ServiceView) => boolean) =>
        Effect.gen(function* () {
          for (;;) {
            const event = yield* Queue.take(subscription.events)
            if (event._tag === "Changed" && event.view.name === name && ok(event.view)) return event.view
          }
        })
      const group = yield* makeGroupSupervisor(
        groupOf(
          "pair",
          Schema.decodeUnknownSync(GroupTable)({
            strategy: "one_for_all",
            children: ["steady", "crasher"],
            backoff: { initial: "5s", factor: 1, jitter: 0 },
          }),
        ),
        [
          child("steady", { command: "./sleeper.sh" }),
          child("crasher", {
            command: "./exit-with-code.sh",
            args: ["3"],
            backoff: { initial: "100ms", factor: 1, jitter: 0 },
          }),
        ],
      )
      const [steady, crasher] = group.children
      yield* steady!.command("start")
      yield* crasher!.command("start")
      yield* next("steady", (v) => v.state === "stopped")
      yield* TestClock.adjust(4999)
      yield* settle
      expect((yield* views.get("crasher"))?.state).toBe("backoff")
      expect((yield* views.get("steady"))?.state).toBe("stopped")
      yield* TestClock.adjust(1)
      yield* next("steady", (v) => v.state === "running")
      const again = yield* next("crasher", (v) => v.state === "starting" || v.state === "running")
      expect(again.name).toBe("crasher")
    }).pipe(Effect.provide(layer())),
  )
})
