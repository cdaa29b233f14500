// What a daemon killed with -9 leaves outside its data dir: the private directory of the socket
// it makes its children's output pairs from (src/os/SocketPairs.ts). The next daemon that
// captures output removes it; the directory of a daemon still running is left alone.
import { existsSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { FIXTURES, isAlive, useDaemons, waitForView } from "../support/daemon.ts"

const daemons = useDaemons()
const orphans: Array<number> = []
afterEach(() => {
  for (const pid of orphans.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL")
})

const sleeper = `[services.s]\ncommand = "${FIXTURES}/sleeper.sh"\n`
const pairDirsOf = (pid: number) =>
  readdirSync(tmpdir())
    .filter((name) => name.startsWith(`dockless-pairs-${pid}-`))
    .map((name) => join(tmpdir(), name))

describe("the socket-pair directory", () => {
  it("of a daemon killed with -9 is removed by the next one; a live daemon's stays", async () => {
    const killed = await daemons.start(sleeper)
    const child = await waitForView(killed, "s", "running", (v) => v.state === "running")
    orphans.push(child.pid)
    const litter = pairDirsOf(killed.child.pid ?? 0)
    expect(litter).toHaveLength(1)
    process.kill(killed.child.pid ?? 0, "SIGKILL")
    await killed.exited
    expect(litter.every(existsSync)).toBe(true)

    const live = await daemons.start(sleeper)
    const again = await waitForView(live, "s", "running", (v) => v.state === "running")
    orphans.push(again.pid)
    const next = await daemons.start(sleeper)
    await waitForView(next, "s", "running", (v) => v.state === "running")

    expect(litter.some(existsSync)).toBe(false)
    expect(pairDirsOf(live.child.pid ?? 0)).toHaveLength(1)
    expect(pairDirsOf(next.child.pid ?? 0)).toHaveLength(1)
  })
})
