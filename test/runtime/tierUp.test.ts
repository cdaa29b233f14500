// V8's tier-up flags for the daemon (src/os/TierUp.ts), on the Node running the test (CI runs this
// on 20, 22, 24 and 26): each is one this Node knows, since a flag V8 does not know is an error
// on Node's command line and only a message on stderr from setFlagsFromString; and on Node 20,
// where they hold TurboFan back, a daemon that starts and runs its service has optimized nothing.
import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { flagsFor } from "../../src/os/TierUp.ts"
import { startDaemon, useDaemons, waitFor } from "../support/daemon.ts"

const { track } = useDaemons()
const major = Number(process.versions.node.split(".")[0])

describe(`V8's tier-up flags on Node ${process.version}`, () => {
  it("are all flags this Node knows", () => {
    for (const flag of flagsFor(major)) {
      const run = spawnSync(process.execPath, [flag, "-e", "0"], { encoding: "utf8" })
      expect({ flag, status: run.status, stderr: run.stderr }).toEqual({ flag, status: 0, stderr: "" })
    }
  })

  it.runIf(major < 22)("leave a starting daemon's code to the interpreter", async () => {
    const d = track(
      await startDaemon({
        node: [process.execPath, "--trace-opt"],
        body: `[services.idle]\ncommand = "/bin/sh"\nargs = ["-c", "echo up; exec sleep 600"]\n`,
      }),
    )
    await waitFor("the service's first line in its log", async () => {
      const answer = (await d.json("GET", "/api/services/idle/logs?lines=10")) as {
        lines: Array<{ text: string }>
      }
      return answer.lines.some((line) => line.text === "up") ? true : undefined
    })
    expect(d.output).toContain("dockless")
    expect(d.output.split("\n").filter((line) => line.includes("completed optimizing"))).toEqual([])
  })
})
