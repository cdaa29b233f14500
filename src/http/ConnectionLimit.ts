// Caps the connections the HTTP server serves at once. Node's own `server.maxConnections`
// closes a socket as it is accepted, which a client only sees as a reset with no reason; here
// a connection past the cap is kept just long enough to answer its first request with 503 and a
// sentence (Connection: close), then closed. One that never sends a request is cut off by the
// headers timeout. Far past the cap (a flood) Node's limit does drop sockets at accept.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http"
import type { Server as HttpsServer } from "node:https"
import type { Socket } from "node:net"
import { RETRY_AFTER_S } from "./HttpLimits.ts"

// Written here with node:http alone: a refusal must not wait for (or load) the HTTP app.
const refuse = (res: ServerResponse, limit: number): void => {
  const error = `Dockless is serving its limit of ${limit} connections at once; retry in a few seconds`
  res.writeHead(503, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "retry-after": RETRY_AFTER_S,
    connection: "close",
  })
  res.end(JSON.stringify({ error, details: [] }))
}

/**
 * Serves `handler` on `server` for at most `limit` connections at once, dropping any past
 * `hardLimit`. An https server's connections are its "secureConnection"s (the TLS sockets its
 * requests come on).
 */
export const limitConnections = (
  server: Server | HttpsServer,
  handler: RequestListener,
  limit: number,
  hardLimit: number,
  connectionEvent: "connection" | "secureConnection" = "connection",
): void => {
  const admitted = new Set<Socket>()
  const refused = new WeakSet<Socket>()
  server.maxConnections = hardLimit
  server.on(connectionEvent, (socket: Socket) => {
    if (admitted.size >= limit) {
      refused.add(socket)
      return
    }
    admitted.add(socket)
    socket.once("close", () => admitted.delete(socket))
  })
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (refused.has(req.socket)) refuse(res, limit)
    else handler(req, res)
  })
}
