// A connected pair of Unix stream sockets, as socketpair(2) would give (Node has no call for
// it): one end becomes a child's stdout or stderr, the other is read by Dockless with `onread`,
// straight into a buffer it reuses, so a read costs no allocation and no stream machinery
// (Node's own 'pipe' stdio hands out a new 64 KiB Buffer per read). Pairs are made through one
// listening socket in a private directory (mode 0700: no other user can connect); connections
// are accepted in the order they were made, so each connect is matched with its own accept.
import { mkdtempSync, rmSync } from "node:fs"
import { connect, createServer, type OnReadOpts, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface SocketPair {
  /** Read by us: data goes to `onread`. */
  readonly ours: Socket
  /** For the child: paused, never read here. */
  readonly theirs: Socket
}

interface Listener {
  readonly server: Server
  readonly path: string
}

/** Accepts to come, oldest first: each is the other end of one connect. */
const waiting: Array<{ readonly accepted: (socket: Socket) => void; readonly failed: (e: Error) => void }> =
  []
let listener: Promise<Listener> | undefined

const listen = (): Promise<Listener> =>
  new Promise((resolve, reject) => {
    const dir = mkdtempSync(join(tmpdir(), "dockless-pairs-"))
    const path = join(dir, "pair")
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      const next = waiting.shift()
      if (next === undefined) socket.destroy()
      else next.accepted(socket)
    })
    const forget = (error: Error) => {
      listener = undefined
      for (const next of waiting.splice(0)) next.failed(error)
      server.close()
      rmSync(dir, { recursive: true, force: true })
    }
    server.once("error", (error) => {
      forget(error)
      reject(error)
    })
    server.listen(path, () => {
      server.removeAllListeners("error")
      server.on("error", forget)
      resolve({ server, path })
    })
    // The listener never keeps Dockless running; its directory goes with the process.
    server.unref()
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }))
  })

/** A new connected pair whose `ours` end hands what it reads to `onread`. */
export const socketPair = async (onread: OnReadOpts): Promise<SocketPair> => {
  listener ??= listen().catch((error: unknown) => {
    listener = undefined
    throw error
  })
  const { path } = await listener
  return new Promise((resolve, reject) => {
    const entry = {
      accepted: (theirs: Socket) => resolve({ ours, theirs }),
      failed: (error: Error) => {
        ours.destroy()
        reject(error)
      },
    }
    // Queued before connecting: accepts arrive in connect order.
    waiting.push(entry)
    const ours = connect({ path, onread })
    ours.on("error", (error) => {
      // A connect that failed is never accepted: the accepts after it belong to later connects.
      const at = waiting.indexOf(entry)
      if (at !== -1) waiting.splice(at, 1)
      reject(error)
    })
  })
}
