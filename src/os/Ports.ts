// Which ports are taken on this host and by whom, read from /proc without binding anything
// (binding would need root for ports below 1024 and could race the service itself). A port is
// taken when a TCP socket listens on it or a UDP socket is bound to it, on IPv4 or IPv6.
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

export interface PortHolder {
  readonly pid: number
  readonly command: string
}

const TABLES = [
  { file: "/proc/net/tcp", state: "0A" },
  { file: "/proc/net/tcp6", state: "0A" },
  { file: "/proc/net/udp", state: "07" },
  { file: "/proc/net/udp6", state: "07" },
]

/** Every taken port with the inodes of the sockets holding it. */
export const takenPorts = (): Map<number, Array<string>> => {
  const taken = new Map<number, Array<string>>()
  for (const { file, state } of TABLES) {
    let text = ""
    try {
      text = readFileSync(file, "utf8")
    } catch {
      continue
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      const local = fields[1]
      if (local === undefined || fields[3] !== state) continue
      const port = parseInt(local.slice(local.lastIndexOf(":") + 1), 16)
      const inode = fields[9] ?? "0"
      taken.set(port, [...(taken.get(port) ?? []), inode])
    }
  }
  return taken
}

/** The first of `ports` that is taken, or undefined when all are free. */
export const firstTaken = (ports: ReadonlyArray<number>): number | undefined => {
  if (ports.length === 0) return undefined
  const taken = takenPorts()
  return ports.find((p) => taken.has(p))
}

/** The process holding `port`, found through the socket inode in /proc/PID/fd; only on conflict. */
export const portHolder = (port: number): PortHolder | undefined => {
  const inodes = new Set((takenPorts().get(port) ?? []).map((inode) => `socket:[${inode}]`))
  if (inodes.size === 0) return undefined
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    let fds: Array<string> = []
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      let target = ""
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`)
      } catch {
        continue
      }
      if (inodes.has(target)) {
        let command = "?"
        try {
          command = readFileSync(`/proc/${entry}/comm`, "utf8").trim()
        } catch {
          // It exited between the two reads; the pid still says who it was.
        }
        return { pid: Number(entry), command }
      }
    }
  }
  return undefined
}

export const describePortBusy = (port: number): string => {
  const holder = portHolder(port)
  return holder === undefined
    ? `port ${port} is in use by another process`
    : `port ${port} is in use by pid ${holder.pid} (${holder.command})`
}
