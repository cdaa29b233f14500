// The root's mailbox under Effect's TestClock: a request whose caller timed out (and was told
// 503) is dropped when its turn comes, not carried out later. The root is kept busy by a reload
// reading config.toml from a FIFO that nobody has written yet, so the wait is real and the
// timeout is exact.
import { execFileSync } from "node:child_process"
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs"
import { writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, TestClock } from "effect"
import { loadConfig } from "../../src/config/ConfigFile.ts"
import { COMMAND_BOUND_MS } from "../../src/supervisors/ServiceSupervisor.ts"
import { RootSupervisor } from "../../src/supervisors/RootSupervisor.ts"
import { treeLayer } from "../support/supervisorHarness.ts"

/** Lets forked fibers run until `fiber` waits on something (its answer, or the clock). */
const untilSuspended = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  Effect.gen(function* () {
    while ((yield* Fiber.status(fiber))._tag !== "Suspended") yield* Effect.yieldNow()
  })

describe("RootSupervisor's mailbox under TestClock", () => {
  it.scoped("drops a registration whose caller timed out while the root was busy", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "dockless-root-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const file = join(dir, "config.toml")
      const text = `data_dir = "data"\n`
      yield* Effect.promise(() => writeFile(file, text))
      const config = yield* loadConfig(file, { identity: false })
      mkdirSync(config.data_dir)
      const built = yield* Layer.build(
        RootSupervisor.layer(config, [], new Map()).pipe(Layer.provide(treeLayer(config.data_dir))),
      )
      const root = Context.get(built, RootSupervisor)
      // From now on a reload waits (in the root's own fiber) until someone writes the file.
      rmSync(file)
      execFileSync("mkfifo", [file])
      let fed = false
      // Should the test fail before it writes the file, the reload's blocked open still ends:
      // a writer that opens and closes the FIFO at once (O_RDWR never blocks on Linux).
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          if (!fed) closeSync(openSync(file, constants.O_RDWR | constants.O_NONBLOCK))
        }),
      )
      const reloading = yield* Effect.fork(Effect.either(root.reload))
      yield* untilSuspended(reloading)
      const late = yield* Effect.fork(
        Effect.either(root.register({ name: "late", command: "/bin/true", autostart: false })),
      )
      yield* untilSuspended(late)
      yield* TestClock.adjust(COMMAND_BOUND_MS)
      const answer = yield* Fiber.join(late)
      expect(answer._tag === "Left" && answer.left._tag).toBe("ServiceUnresponsive")

      // The reload goes on; a registration posted after the timed-out one is answered only
      // after the root took that one from its mailbox.
      yield* Effect.promise(() => writeFile(file, text))
      fed = true
      yield* Fiber.join(reloading)
      const next = yield* root.register({ name: "next", command: "/bin/true", autostart: false })
      expect(next.name).toBe("next")
      const names = (yield* root.services).map((s) => s.name)
      expect(names).toEqual(["next"])
    }),
  )
})
