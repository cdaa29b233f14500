// Caps the connections the HTTP server serves at once. Node's own `server.maxConnections`
// closes a socket as it is accepted, which a client only sees as a reset with no reason; here
// a connection past the cap is kept just long enough to answer its first request with 503 and a
// sentence (Connection: close), then closed. One that never sends a request is cut off by the
// headers timeout. Far past the cap (a flood) Node's limit does drop sockets at accept.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http"
import type { Server as HttpsServer } from "node:https"
import type { Socket } from "node:net"
import { ConnectionLimitReached, failureResponse } from "./HttpErrors.ts"

const refuse = async (res: ServerResponse, limit: number): Promise<void> => {
  const answer = failureResponse(new ConnectionLimitReached({ limit }))
  const body = await answer.text()
  res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), connection: "close" })
  res.end(body)
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
    if (refused.has(req.socket)) void refuse(res, limit)
    else handler(req, res)
  })
}
