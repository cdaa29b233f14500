// The actor primitive: a queue of messages read by one fiber, which can be closed with a
// reason. Once closed, a message from outside is refused at once with that reason (OTP: the
// process is gone, the call fails instead of waiting), while the owner can still post to
// itself; whatever is still queued when the owner ends is handed back so no caller waits.
// Messages from outside are bounded: past `capacity` waiting, a caller is told the actor is
// busy instead of queueing work that would run long after it gave up. The owner's own
// messages (exits, timers) are never refused: dropping one would lose a process.
//
// Effect's own `Mailbox` ends for everyone at once (offer answers false after `end`); an actor
// here must refuse callers while it still hears its worker's exit, hence this thin wrapper on
// an Effect `Queue` rather than that module.
import { Data, Effect, Queue } from "effect"

/** Why a message from outside was not queued. */
export type Refusal = Data.TaggedEnum<{
  /** The actor is closing or gone. */
  Closed: { readonly reason: string }
  /** Its queue already holds `capacity` messages from outside. */
  Full: { readonly capacity: number }
}>
export const Refusal = Data.taggedEnum<Refusal>()

/** Room for callers' messages per actor: far more than people send, far less than a flood. */
export const DEFAULT_CAPACITY = 256

export class Mailbox<M> {
  private closedWith: string | undefined
  /** Messages from outside still queued; the owner's own are not counted. */
  private fromOutside = 0
  /** Messages posted and not yet settled by the owner, its own included. */
  private unsettled = 0

  private constructor(
    private readonly queue: Queue.Queue<{ readonly message: M; readonly outside: boolean }>,
    private readonly capacity: number,
  ) {}

  static readonly make = <M>(capacity = DEFAULT_CAPACITY): Effect.Effect<Mailbox<M>> =>
    Queue.unbounded<{ readonly message: M; readonly outside: boolean }>().pipe(
      Effect.map((queue) => new Mailbox<M>(queue, capacity)),
    )

  /** Why the mailbox refuses messages from outside, or undefined while it accepts them. */
  get closedReason(): string | undefined {
    return this.closedWith
  }

  /** Posts a message from outside; answers why not when the mailbox is closed or full. */
  readonly post = (message: M): Effect.Effect<Refusal | undefined> =>
    Effect.suspend((): Effect.Effect<Refusal | undefined> => {
      if (this.closedWith !== undefined) return Effect.succeed(Refusal.Closed({ reason: this.closedWith }))
      if (this.fromOutside >= this.capacity) return Effect.succeed(Refusal.Full({ capacity: this.capacity }))
      this.fromOutside++
      this.unsettled++
      return Queue.offer(this.queue, { message, outside: true }).pipe(Effect.as(undefined))
    })

  /** Posts a message from the owner itself (timers, its worker): accepted until the owner ends. */
  readonly postInternal = (message: M): Effect.Effect<void> =>
    Effect.sync(() => this.unsafePostInternal(message))

  /** postInternal for plain callbacks outside Effect (a write's error handler, a process's exit). */
  unsafePostInternal(message: M): void {
    if (Queue.unsafeOffer(this.queue, { message, outside: false })) this.unsettled++
  }

  /**
   * Whether the owner is idle: every message posted has been taken and `settled`, so the
   * next one posted is the next it handles, on the state it has now. Only for an owner that
   * calls `settled` after each message (ServiceSupervisor); for any other it stays false.
   */
  get isIdle(): boolean {
    return this.unsettled === 0
  }

  /** The owner has finished handling a message it took. */
  settled(): void {
    this.unsettled = Math.max(0, this.unsettled - 1)
  }

  get take(): Effect.Effect<M> {
    return Queue.take(this.queue).pipe(
      Effect.map((entry) => {
        if (entry.outside) this.fromOutside--
        return entry.message
      }),
    )
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
        Effect.map((chunk) => {
          this.fromOutside = 0
          this.unsettled = 0
          return [...chunk].map((entry) => entry.message)
        }),
      )
    })
  }
}
