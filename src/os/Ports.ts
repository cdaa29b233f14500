// Which ports are taken on this host and by whom, read from /proc without binding anything
// (binding would need root for ports below 1024 and could race the service itself). A port is
// taken when a TCP socket listens on it or a UDP socket is bound to it, on IPv4 or IPv6. The
// check runs on every retry of a waiting service: while the holder named for a port still has
// its socket open, that says the port is taken (PortHolders); otherwise the tables are scanned
// in place, reading a socket's inode only for the ports asked about.
import { readFileSync } from "node:fs"
import { makePortHolders, type PortHolder, type PortHolders } from "./PortHolders.ts"

export type { PortHolder } from "./PortHolders.ts"

/** /proc/net tables and the state of a socket that takes its port: TCP_LISTEN, UDP's TCP_CLOSE. */
const TABLES = [
  { file: "/proc/net/tcp", state: "0A" },
  { file: "/proc/net/tcp6", state: "0A" },
  { file: "/proc/net/udp", state: "07" },
  { file: "/proc/net/udp6", state: "07" },
] as const

const SPACE = 32
const NEWLINE = 10

const hexValue = (text: string, from: number, to: number): number => {
  let value = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    value = value * 16 + (c <= 57 ? c - 48 : (c | 32) - 87)
  }
  return value
}

const skipSpaces = (text: string, at: number): number => {
  while (text.charCodeAt(at) === SPACE) at++
  return at
}

/** The end of the field starting at `at` (the next space or line end). */
const fieldEnd = (text: string, at: number): number => {
  for (;;) {
    const c = text.charCodeAt(at)
    if (c === SPACE || c === NEWLINE || Number.isNaN(c)) return at
    at++
  }
}

/**
 * Calls `visit(port, inodeOf)` for each socket in one table that takes its port; `inodeOf()`
 * reads that line's inode, so only the lines a caller cares about pay for it. Stops when
 * `visit` returns true. Lines: `sl: local rem st tx:rx tr:when retrnsmt uid timeout inode ...`.
 */
const scanTable = (
  file: string,
  state: string,
  visit: (port: number, inodeOf: () => string) => boolean,
): void => {
  let text: string
  try {
    text = readFileSync(file, "latin1")
  } catch {
    return
  }
  let line = text.indexOf("\n") + 1 // the header
  while (line > 0 && line < text.length) {
    const next = text.indexOf("\n", line) + 1
    const local = skipSpaces(text, text.indexOf(":", line) + 1)
    const localEnd = fieldEnd(text, local)
    const remEnd = fieldEnd(text, skipSpaces(text, localEnd))
    const st = skipSpaces(text, remEnd)
    if (text.charCodeAt(st) === state.charCodeAt(0) && text.charCodeAt(st + 1) === state.charCodeAt(1)) {
      const port = hexValue(text, localEnd - 4, localEnd)
      const inodeOf = () => {
        let at = st
        for (let field = 0; field < 6; field++) at = skipSpaces(text, fieldEnd(text, at))
        return text.slice(at, fieldEnd(text, at))
      }
      if (visit(port, inodeOf)) return
    }
    line = next
  }
}

/** Every taken port with the inodes of the sockets holding it. */
export const takenPorts = (): Map<number, Array<string>> => {
  const taken = new Map<number, Array<string>>()
  for (const { file, state } of TABLES)
    scanTable(file, state, (port, inodeOf) => {
      const inodes = taken.get(port)
      if (inodes === undefined) taken.set(port, [inodeOf()])
      else inodes.push(inodeOf())
      return false
    })
  return taken
}

/** The inodes of the sockets taking `port`; empty when it is free. */
export const socketsOn = (port: number): Array<string> => {
  const inodes: Array<string> = []
  for (const { file, state } of TABLES)
    scanTable(file, state, (p, inodeOf) => {
      if (p === port) inodes.push(inodeOf())
      return false
    })
  return inodes
}

const ours = makePortHolders()

/**
 * The first of `ports` that is taken, or undefined when all are free. A port whose named holder
 * still has its socket open is taken without reading the tables (a waiting service asks every
 * retry, and the kernel walks its whole socket hash for each read of /proc/net/tcp).
 */
export const firstTaken = (ports: ReadonlyArray<number>, holders: PortHolders = ours): number | undefined => {
  if (ports.length === 0) return undefined
  for (const port of ports) if (holders.holding(port) !== undefined) return port
  const taken = new Set<number>()
  for (const { file, state } of TABLES) {
    // The earliest of `ports` wins, so a table may end the scan only once ports[0] is seen.
    scanTable(file, state, (port) => {
      if (ports.includes(port)) taken.add(port)
      return port === ports[0]
    })
    if (taken.has(ports[0] ?? -1)) return ports[0]
  }
  // Every table was read: a port seen free has no conflict left to remember.
  for (const port of ports) if (!taken.has(port)) holders.forget(port)
  return ports.find((port) => taken.has(port))
}

/** The process holding `port`, named once per conflict (see PortHolders); only on conflict. */
export const portHolder = (port: number, holders: PortHolders = ours): PortHolder | undefined =>
  holders.holding(port) ?? holders.name(port, socketsOn(port))

export const describePortBusy = (port: number, holders: PortHolders = ours): string => {
  const holder = portHolder(port, holders)
  return holder === undefined
    ? `port ${port} is in use by another process`
    : `port ${port} is in use by pid ${holder.pid} (${holder.command})`
}
