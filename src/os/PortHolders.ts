// Who holds a taken port, named once per conflict. Naming walks every /proc/PID/fd for the
// socket's inode, at a cost in proportion to the host's open fds, and a service waiting on the
// port asks again every retry; so the answer is kept per port with the socket inodes it was
// found for and the fd link that showed it. While that link still names the same socket, the
// port is still bound (one readlink, no table, no walk); the walk runs again only when the
// port's sockets change or the named process no longer has its socket open.
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

export interface PortHolder {
  readonly pid: number
  readonly command: string
}

/** A holder with the fd link that showed it: `/proc/PID/fd/N` reading `socket:[INODE]`. */
export interface SocketHolder extends PortHolder {
  readonly link: string
  readonly socket: string
}

/** Finds a process holding one of `sockets` ("socket:[INODE]", as /proc/PID/fd links read). */
export type SocketWalk = (sockets: ReadonlySet<string>) => SocketHolder | undefined

/** The full walk: every /proc/PID/fd link on the host, until one names a socket looked for. */
export const walkForHolder: SocketWalk = (sockets) => {
  for (const entry of readdirSync("/proc")) {
    const first = entry.charCodeAt(0)
    if (first < 48 || first > 57) continue
    let fds: Array<string>
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      const link = `/proc/${entry}/fd/${fd}`
      const socket = readLink(link)
      if (socket === undefined || !sockets.has(socket)) continue
      let command = "?"
      try {
        command = readFileSync(`/proc/${entry}/comm`, "utf8").trim()
      } catch {
        // It exited between the two reads; the pid still says who it was.
      }
      return { pid: Number(entry), command, link, socket }
    }
  }
  return undefined
}

const readLink = (path: string): string | undefined => {
  try {
    return readlinkSync(path)
  } catch {
    return undefined
  }
}

interface Named {
  /** The socket inodes the holder was looked for, sorted and joined. */
  readonly sockets: string
  /** Undefined when no readable /proc/PID/fd has the socket (another user's, without root). */
  readonly holder: SocketHolder | undefined
}

export interface PortHolders {
  /** The holder named for `port`, while it still has that socket open (one readlink). */
  readonly holding: (port: number) => PortHolder | undefined
  /** The holder of `port`'s sockets `inodes`; walks only when it may not be the one named last. */
  readonly name: (port: number, inodes: ReadonlyArray<string>) => PortHolder | undefined
  /** Drops what is known of `port` (it was seen free: the conflict is over). */
  readonly forget: (port: number) => void
}

export const makePortHolders = (walk: SocketWalk = walkForHolder): PortHolders => {
  const known = new Map<number, Named>()
  const holding = (port: number): PortHolder | undefined => {
    const holder = known.get(port)?.holder
    if (holder === undefined) return undefined
    if (readLink(holder.link) === holder.socket) return { pid: holder.pid, command: holder.command }
    known.delete(port) // it closed or passed on its socket: whoever holds the port now is not known
    return undefined
  }
  return {
    holding,
    name: (port, inodes) => {
      if (inodes.length === 0) {
        known.delete(port)
        return undefined
      }
      const sockets = inodes.length === 1 ? (inodes[0] ?? "") : [...inodes].sort().join(" ")
      const named = known.get(port)
      if (named !== undefined && named.sockets === sockets) {
        if (named.holder === undefined) return undefined
        const still = holding(port)
        if (still !== undefined) return still
      }
      const holder = walk(new Set(inodes.map((inode) => `socket:[${inode}]`)))
      known.set(port, { sockets, holder })
      return holder === undefined ? undefined : { pid: holder.pid, command: holder.command }
    },
    forget: (port) => {
      known.delete(port)
    },
  }
}
