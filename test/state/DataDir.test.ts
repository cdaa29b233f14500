// Opening the data dir at start clears the litter of a daemon killed mid-write: the temp files
// of its atomic writes and its write probe. A temp file whose writer still runs is left alone.
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { openDataDir } from "../../src/state/DataDir.ts"
import { isAlive, tempDir } from "../support/daemon.ts"

const pids: Array<number> = []
afterEach(() => {
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL")
})

/** The pid of a process that has exited (and been reaped): a writer killed mid-write. */
const deadPid = async (): Promise<number> => {
  const child = spawn("true")
  await new Promise((done) => child.once("exit", done))
  return child.pid ?? 0
}

describe("openDataDir", () => {
  it("removes the temp files and write probe a killed daemon left, and nothing else", async () => {
    const data = join(tempDir(), "data")
    mkdirSync(data)
    const dead = await deadPid()
    const live = spawn("sleep", ["600"], { stdio: "ignore" })
    pids.push(live.pid ?? 0)
    const files = {
      [`services.json.tmp-${dead}`]: "{ half",
      [`state.json.tmp-${dead}`]: "",
      [`.write-probe-${dead}`]: "dockless\n",
      [`state.json.tmp-${live.pid}`]: "{ still being written",
      "services.json": "{}",
      "state.json": "{}",
      "notes.tmp-x": "not ours",
    }
    for (const [file, content] of Object.entries(files)) writeFileSync(join(data, file), content)
    Effect.runSync(openDataDir(data, 0o700))
    expect(readdirSync(data).sort()).toEqual(
      ["logs", "notes.tmp-x", "services.json", "state.json", `state.json.tmp-${live.pid}`].sort(),
    )
    expect(existsSync(join(data, "logs"))).toBe(true)
  })
})
