// The actor primitive's bounds: callers are refused at once when the mailbox is closed (with the
// reason) or already holds its capacity of their messages, while the owner's own messages (a
// worker's exit, a timer) are always taken; whatever is queued at the end is handed back.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Mailbox } from "../../src/actors/Mailbox.ts"

describe("Mailbox", () => {
  it.effect("refuses a caller past its capacity, and takes one again once a message was taken", () =>
    Effect.gen(function* () {
      const mailbox = yield* Mailbox.make<string>(2)
      expect(yield* mailbox.post("a")).toBeUndefined()
      expect(yield* mailbox.post("b")).toBeUndefined()
      expect(yield* mailbox.post("c")).toEqual({ _tag: "Full", capacity: 2 })
      // The owner's own message is never refused, and does not count against callers.
      yield* mailbox.postInternal("exit")
      expect(yield* mailbox.take).toBe("a")
      expect(yield* mailbox.post("d")).toBeUndefined()
      expect(yield* mailbox.drain).toEqual(["b", "exit", "d"])
    }),
  )

  it.effect("refuses callers with the first reason once closed, and still takes the owner's messages", () =>
    Effect.gen(function* () {
      const mailbox = yield* Mailbox.make<string>()
      mailbox.close("it is being deleted")
      mailbox.close("dockless is shutting down")
      expect(yield* mailbox.post("start")).toEqual({ _tag: "Closed", reason: "it is being deleted" })
      yield* mailbox.postInternal("exited")
      expect(yield* mailbox.take).toBe("exited")
    }),
  )
})
