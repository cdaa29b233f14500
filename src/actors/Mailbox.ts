// The actor primitive: a queue of messages read by one fiber, which can be closed with a
// reason. Once closed, a message from outside is refused at once with that reason (OTP: the
// process is gone, the call fails instead of waiting), while the owner can still post to
// itself; whatever is still queued when the owner ends is handed back so no caller waits.
import { Effect, Queue } from "effect"

export class Mailbox<M> {
  private closedWith: string | undefined

  private constructor(private readonly queue: Queue.Queue<M>) {}

  static readonly make = <M>(): Effect.Effect<Mailbox<M>> =>
    Queue.unbounded<M>().pipe(Effect.map((queue) => new Mailbox(queue)))

  /** Why the mailbox refuses messages from outside, or undefined while it accepts them. */
  get closedReason(): string | undefined {
    return this.closedWith
  }

  /** Posts a message from outside; answers the close reason instead when the mailbox is closed. */
  readonly post = (message: M): Effect.Effect<string | undefined> =>
    Effect.suspend(() =>
      this.closedWith === undefined
        ? Queue.offer(this.queue, message).pipe(Effect.as(undefined))
        : Effect.succeed(this.closedWith),
    )

  /** Posts a message from the owner itself (timers, its worker): accepted until the owner ends. */
  readonly postInternal = (message: M): Effect.Effect<void> =>
    Queue.isShutdown(this.queue).pipe(
      Effect.flatMap((ended) => (ended ? Effect.void : Queue.offer(this.queue, message))),
      Effect.asVoid,
    )

  /** postInternal for plain callbacks outside Effect (a write's error handler). */
  unsafePostInternal(message: M): void {
    Queue.unsafeOffer(this.queue, message)
  }

  get take(): Effect.Effect<M> {
    return Queue.take(this.queue)
  }

  /** Refuses every later message from outside with `reason`; the first reason given stays. */
  close(reason: string): void {
    this.closedWith ??= reason
  }

  /** Ends the mailbox for good and returns what was still queued, so each caller can be answered. */
  get drain(): Effect.Effect<ReadonlyArray<M>> {
    return Effect.suspend(() => {
      this.closedWith ??= "it has stopped"
      return Queue.takeAll(this.queue).pipe(
        Effect.tap(() => Queue.shutdown(this.queue)),
        Effect.map((chunk) => [...chunk]),
      )
    })
  }
}
