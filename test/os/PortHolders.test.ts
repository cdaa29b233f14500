// Naming a port's holder once per conflict: real child processes hold real sockets, the real
// walk of /proc/*/fd finds them, and a counting wrapper around that walk shows how often it ran
// while a service would be retrying (firstTaken then describePortBusy, as spawnRun asks).
import { spawn, type ChildProcess } from "node:child_process"
import { afterEach, describe, expect, it } from "vitest"
import { makePortHolders, walkForHolder, type SocketWalk } from "../../src/os/PortHolders.ts"
import { describePortBusy, firstTaken, socketsOn, takenPorts } from "../../src/os/Ports.ts"
import { freePort, waitFor } from "../support/daemon.ts"

const children: Array<ChildProcess> = []
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, "SIGKILL")
})

/** A node child bound to `port` (0: any free one) over tcp or udp; resolves with its pid and port. */
const holder = async (port = 0, kind: "tcp" | "udp" = "tcp") => {
  const script =
    kind === "tcp"
      ? `const s = require("node:net").createServer(); s.listen(${port}, "127.0.0.1", () => console.log(s.address().port))`
      : `const s = require("node:dgram").createSocket("udp4"); s.bind(${port}, "127.0.0.1", () => console.log(s.address().port))`
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] })
  children.push(child)
  let out = ""
  child.stdout.on("data", (d: Buffer) => (out += d.toString()))
  const bound = await waitFor("the holder's port", () =>
    out.includes("\n") ? Number(out.trim()) : undefined,
  )
  return { child, pid: child.pid ?? 0, port: bound }
}

const stop = (child: ChildProcess) =>
  new Promise<void>((done) => {
    child.once("exit", () => done())
    if (child.pid) process.kill(child.pid, "SIGKILL")
  })

/** PortHolders over the real walk, counting its runs. */
const counted = (walk: SocketWalk = walkForHolder) => {
  const count = { walks: 0 }
  const holders = makePortHolders((sockets) => {
    count.walks++
    return walk(sockets)
  })
  return { holders, count }
}

/** One retry of a waiting service: is any port taken, and if so, by whom. */
const retry = (ports: ReadonlyArray<number>, holders: ReturnType<typeof counted>["holders"]) => {
  const busy = firstTaken(ports, holders)
  return busy === undefined ? undefined : describePortBusy(busy, holders)
}

describe("Ports and PortHolders", () => {
  it("reads a child's listening tcp socket and bound udp socket from the tables, with their inodes", async () => {
    const tcp = await holder()
    const udp = await holder(0, "udp")
    const taken = takenPorts()
    expect(taken.get(tcp.port)).toEqual(socketsOn(tcp.port))
    expect(socketsOn(tcp.port)).toHaveLength(1)
    expect(socketsOn(udp.port)).toHaveLength(1)
    const free = await freePort()
    expect(socketsOn(free)).toEqual([])
    const { holders } = counted()
    expect(firstTaken([free, udp.port, tcp.port], holders)).toBe(udp.port)
    expect(firstTaken([free], holders)).toBeUndefined()
  })

  it("names a child holding a port once, and not again while the same socket holds it", async () => {
    const { pid, port } = await holder()
    const { holders, count } = counted()
    const free = await freePort()
    const said = Array.from({ length: 20 }, () => retry([free, port], holders))
    expect(new Set(said)).toEqual(new Set([`port ${port} is in use by pid ${pid} (node)`]))
    expect(count.walks).toBe(1)
  })

  it("walks again when the holder changes, and names the new one", async () => {
    const first = await holder()
    const { holders, count } = counted()
    expect(retry([first.port], holders)).toBe(`port ${first.port} is in use by pid ${first.pid} (node)`)
    await stop(first.child)
    const second = await holder(first.port)
    for (let i = 0; i < 5; i++)
      expect(retry([first.port], holders)).toBe(`port ${first.port} is in use by pid ${second.pid} (node)`)
    expect(count.walks).toBe(2)
    await stop(second.child)
    expect(retry([first.port], holders)).toBeUndefined()
    expect(count.walks).toBe(2)
  })

  it("does not walk again for a holder it could not name, while the port's sockets stay the same", async () => {
    const { port } = await holder()
    const { holders, count } = counted(() => undefined)
    for (let i = 0; i < 5; i++)
      expect(retry([port], holders)).toBe(`port ${port} is in use by another process`)
    expect(count.walks).toBe(1)
  })
})
