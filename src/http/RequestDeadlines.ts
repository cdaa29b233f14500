// Slow clients are cut off by deadlines of our own, one timer per connection that exists
// only while that connection owes us something: its next request's headers (from the moment it
// opens, and again after each answer on a kept-alive connection), or the rest of a request's
// body. Node's own checker does the same with an interval that runs for ever, and waking once a
// second with nobody connected is not idle. A response is never timed: event streams stay open.
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { Server as HttpsServer } from "node:https"
import type { Socket } from "node:net"

const TIMED_OUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

const cutOff = (socket: Socket): void => {
  if (socket.destroyed) return
  socket.end(TIMED_OUT)
  socket.destroySoon()
}

/** Gives every connection `headersMs` for each request's headers and `requestMs` for a whole request. */
export const enforceDeadlines = (
  server: Server | HttpsServer,
  headersMs: number,
  requestMs: number,
  connectionEvent: "connection" | "secureConnection" = "connection",
): void => {
  const waiting = new WeakMap<Socket, NodeJS.Timeout>()
  const awaitHeaders = (socket: Socket) => {
    clearTimeout(waiting.get(socket))
    waiting.set(socket, setTimeout(() => cutOff(socket), headersMs).unref())
  }
  server.on(connectionEvent, (socket: Socket) => {
    awaitHeaders(socket)
    socket.once("close", () => clearTimeout(waiting.get(socket)))
  })
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket
    clearTimeout(waiting.get(socket))
    // A request without a body is complete with its headers; one with a body must finish it in time.
    if (!req.complete) {
      const deadline = setTimeout(() => {
        if (req.complete) return
        if (!res.headersSent) res.writeHead(408, { connection: "close", "content-length": "0" }).end()
        socket.destroySoon()
      }, requestMs).unref()
      req.once("end", () => clearTimeout(deadline))
      req.once("close", () => clearTimeout(deadline))
    }
    res.once("finish", () => {
      if (!socket.destroyed) awaitHeaders(socket)
    })
  })
}
