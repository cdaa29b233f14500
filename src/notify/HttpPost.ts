// One POST to a target's URL with node:http (node:https loaded only for an https:// URL): Node's
// fetch would load undici, ~MiBs of RSS for a daemon that sends a few messages a day. Any 2xx is
// delivered; anything else (no answer within the timeout, a refused connection, a 4xx/5xx) is a
// DeliveryFailed with the reason and the start of what the server said. Interruption (the
// timeout) destroys the request.
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http"
import { Effect } from "effect"
import { systemErrorReason } from "../os/SystemError.ts"
import { DeliveryFailed } from "./DeliveryFailed.ts"

export interface PostRequest {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** How much of a refusing server's answer is kept in the reason. */
const ANSWER_CHARS = 200

type Requester = (url: URL, options: RequestOptions, answer: (res: IncomingMessage) => void) => ClientRequest

// Taken with getBuiltinModule, not import(): on Node 22+ importing node:http reads its WebSocket
// export, which loads undici (scripts/build.mjs).
const requesterFor = (url: URL): Effect.Effect<Requester> =>
  Effect.sync(() =>
    url.protocol === "https:"
      ? process.getBuiltinModule("node:https").request
      : process.getBuiltinModule("node:http").request,
  )

const send = (request: Requester, url: URL, post: PostRequest) =>
  Effect.async<void, DeliveryFailed>((resume) => {
    const body = Buffer.from(post.body)
    const req = request(
      url,
      {
        method: "POST",
        headers: { ...post.headers, "content-length": String(body.length), "user-agent": "dockless" },
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0
        let text = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => {
          if (text.length < ANSWER_CHARS) text += chunk
        })
        res.on("error", () => undefined)
        res.on("end", () => {
          if (status >= 200 && status < 300) return resume(Effect.void)
          const said = text.trim().slice(0, ANSWER_CHARS)
          resume(
            Effect.fail(
              new DeliveryFailed({ reason: `${url.host} answered ${status}${said ? `: ${said}` : ""}` }),
            ),
          )
        })
      },
    )
    req.on("error", (error) =>
      resume(Effect.fail(new DeliveryFailed({ reason: `${url.host}: ${systemErrorReason(error)}` }))),
    )
    req.end(body)
    return Effect.sync(() => req.destroy())
  })

export const post = (request: PostRequest, timeoutMs: number): Effect.Effect<void, DeliveryFailed> =>
  Effect.suspend(() => {
    const url = new URL(request.url)
    return requesterFor(url).pipe(
      Effect.flatMap((requester) => send(requester, url, request)),
      Effect.timeoutFail({
        duration: timeoutMs,
        onTimeout: () => new DeliveryFailed({ reason: `${url.host} did not answer within ${timeoutMs} ms` }),
      }),
    )
  })
