// One TCP port that speaks only HTTPS, and says so to a plain-HTTP client instead of leaving it
// with a reset or TLS garbage: the first byte of a TLS connection is a handshake record (0x16),
// so a connection starting with anything else gets a short "400, use https://" and is closed.
// TLS connections are handed to the https server, which never listens on its own.
import type { Server as HttpsServer } from "node:https"
import { createServer, type Server, type Socket } from "node:net"

const TLS_HANDSHAKE = 0x16

/** The Host header of a plain request's first bytes, to name the right https:// URL. */
const hostOf = (first: Buffer): string | undefined =>
  /^host:[ \t]*([^\s]+)/im.exec(first.subarray(0, 4096).toString("latin1"))?.[1]

export const plainHttpRefusal = (first: Buffer): string => {
  const host = hostOf(first)
  const body = `This port speaks HTTPS only: open ${host === undefined ? "it with https://" : `https://${host}/`} instead.\n`
  return (
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}

export interface TlsPort {
  readonly server: Server
  /** Ends every connection at once (each TLS connection with its socket). */
  readonly closeAll: () => void
}

/** A listener for `https` that refuses plain HTTP; a connection silent for `firstByteMs` is dropped. */
export const makeTlsPort = (https: HttpsServer, firstByteMs: number, hardLimit: number): TlsPort => {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
    socket.setTimeout(firstByteMs, () => socket.destroy())
    socket.once("data", (first) => {
      socket.setTimeout(0)
      socket.pause()
      if (first[0] !== TLS_HANDSHAKE) {
        socket.end(plainHttpRefusal(first))
        return
      }
      socket.unshift(first)
      https.emit("connection", socket)
      process.nextTick(() => socket.resume())
    })
  })
  server.maxConnections = hardLimit
  return {
    server,
    closeAll: () => {
      https.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    },
  }
}
