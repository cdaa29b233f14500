// Desired states are saved by group commit: callers that arrive together share one write, each
// is answered only once state.json holds its change, and a write the disk refuses fails every
// caller that shared it, changing nothing. On a real data dir, writes counted by inotify.
import { watch } from "node:fs"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { Store } from "../../src/state/Store.ts"
import { tempDir } from "../support/daemon.ts"

const NAMES = Array.from({ length: 40 }, (_, i) => `s${i}`)

const withStore = <A, E>(data: string, use: Effect.Effect<A, E, Store>) =>
  Effect.runPromise(Effect.scoped(use.pipe(Effect.provide(Store.layer(data)))))

const desiredOnDisk = (data: string): Record<string, unknown> => {
  const state = JSON.parse(readFileSync(join(data, "state.json"), "utf8")) as {
    services: Record<string, { desired: unknown }>
  }
  return Object.fromEntries(Object.entries(state.services).map(([name, r]) => [name, r.desired]))
}

describe("Store.setDesired", () => {
  it("answers 40 concurrent callers with every change on disk, in a few writes rather than 40", async () => {
    const data = join(tempDir(), "data")
    mkdirSync(data)
    let replaced = 0
    const watcher = watch(data, (event, file) => {
      if (event === "rename" && file === "state.json") replaced++
    })
    try {
      await withStore(
        data,
        Effect.gen(function* () {
          const store = yield* Store
          yield* Effect.forEach(
            NAMES,
            (name, i) => store.setDesired(name, i % 2 === 0 ? "running" : "stopped"),
            {
              concurrency: "unbounded",
            },
          )
        }),
      )
      // The watcher's events arrive on the event loop: give them a turn before counting.
      await new Promise((done) => setTimeout(done, 50))
    } finally {
      watcher.close()
    }
    expect(desiredOnDisk(data)).toEqual(
      Object.fromEntries(NAMES.map((name, i) => [name, i % 2 === 0 ? "running" : "stopped"])),
    )
    expect(replaced).toBeGreaterThan(0)
    expect(replaced).toBeLessThanOrEqual(3)
  })

  it("fails every caller of a refused write and keeps none of their changes", async () => {
    const data = join(tempDir(), "data")
    mkdirSync(data)
    const state = join(data, "state.json")
    await withStore(
      data,
      Effect.gen(function* () {
        const store = yield* Store
        yield* store.setDesired("kept", "running")
        // state.json cannot be replaced while a non-empty directory stands in its place.
        rmSync(state)
        mkdirSync(join(state, "x"), { recursive: true })
        const outcomes = yield* Effect.forEach(
          NAMES,
          (name) => Effect.either(store.setDesired(name, "stopped")),
          { concurrency: "unbounded" },
        )
        expect(outcomes.every(Either.isLeft)).toBe(true)
        rmSync(state, { recursive: true })
        yield* store.setDesired("after", "stopped")
      }),
    )
    expect(desiredOnDisk(data)).toEqual({ kept: "running", after: "stopped" })
  })
})
