// Server-Sent Events as a web Response driven by an Effect. A client that stops reading is
// cut off once its unread backlog passes a limit, never buffered without bound: EventSource
// reconnects and the endpoint resends a snapshot. A comment every 15 s keeps proxies open.
// Open streams are tracked so the server can end them before it closes (STACK pitfall 7), and
// counted: past HttpLimits.MAX_EVENT_STREAMS a new one is refused with 503 before it starts.
import { Effect, Fiber, Runtime, Schedule, type Scope } from "effect"
import { StreamLimitReached } from "./HttpErrors.ts"

export interface SseChannel {
  /** Queues one event; false once the client has fallen too far behind and the stream is ending. */
  readonly send: (event: string, data: unknown) => Effect.Effect<boolean>
}

const encoder = new TextEncoder()
const BACKLOG_LIMIT = 1024 * 1024
const HEARTBEAT = "15 seconds"

export class OpenStreams {
  private readonly fibers = new Set<Fiber.RuntimeFiber<void>>()
  constructor(readonly limit: number) {}
  get full(): boolean {
    return this.fibers.size >= this.limit
  }
  add(fiber: Fiber.RuntimeFiber<void>): void {
    this.fibers.add(fiber)
    fiber.addObserver(() => this.fibers.delete(fiber))
  }
  readonly closeAll = Effect.suspend(() => Fiber.interruptAll([...this.fibers]))
}

/**
 * The stream, or StreamLimitReached. The check and the count are one synchronous step: the
 * ReadableStream constructor runs `start`, which registers the fiber.
 */
export const sseResponse = <R>(
  runtime: Runtime.Runtime<R>,
  streams: OpenStreams,
  body: (channel: SseChannel) => Effect.Effect<void, never, R | Scope.Scope>,
): Effect.Effect<Response, StreamLimitReached> =>
  Effect.suspend(() =>
    streams.full
      ? Effect.fail(new StreamLimitReached({ limit: streams.limit }))
      : Effect.succeed(startStream(runtime, streams, body)),
  )

const startStream = <R>(
  runtime: Runtime.Runtime<R>,
  streams: OpenStreams,
  body: (channel: SseChannel) => Effect.Effect<void, never, R | Scope.Scope>,
): Response => {
  let fiber: Fiber.RuntimeFiber<void> | undefined
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let open = true
        const close = () => {
          if (!open) return
          open = false
          try {
            controller.close()
          } catch {
            // Already closed by a cancel from the client side.
          }
        }
        const write = (text: string): boolean => {
          if (!open) return false
          if ((controller.desiredSize ?? 0) < -BACKLOG_LIMIT) {
            close()
            return false
          }
          controller.enqueue(encoder.encode(text))
          return true
        }
        const channel: SseChannel = {
          send: (event, data) =>
            Effect.sync(() => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
        }
        const heartbeat = Effect.sync(() => write(": keep-alive\n\n")).pipe(
          Effect.repeat(Schedule.spaced(HEARTBEAT)),
          Effect.asVoid,
        )
        fiber = Runtime.runFork(runtime)(
          Effect.scoped(Effect.zipRight(Effect.forkScoped(heartbeat), body(channel))).pipe(
            Effect.ensuring(Effect.sync(close)),
          ),
        )
        streams.add(fiber)
        write(": connected\n\n")
      },
      cancel() {
        if (fiber !== undefined) Runtime.runFork(runtime)(Fiber.interrupt(fiber))
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  )
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  })
}
