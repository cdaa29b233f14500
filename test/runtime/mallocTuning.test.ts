// glibc's mmap threshold for the daemon (src/os/MallocTuning.ts), on the Node running the test (CI
// runs this on 20, 22 and 24): on Node 22.15 and later `dockless run` re-executes itself with the
// threshold set, keeping its pid (the pid the test spawned is the one answering), and its services
// never see the variable.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { startDaemon, useDaemons, waitFor, type Daemon } from "../support/daemon.ts"

const { track } = useDaemons()
const execveAt = (major: number, minor: number) => major > 22 || (major === 22 && minor >= 15)
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
const tuned = execveAt(major, minor)

const SERVICE = `
[services.envs]
command = "/bin/sh"
args = ["-c", "env; sleep 600"]
`

/** The environment the daemon's process was exec'd with (after a re-execution, the tuned one). */
const startEnvironment = (d: Daemon) =>
  readFileSync(`/proc/${d.child.pid}/environ`, "utf8").split("\0").filter(Boolean)

/** The service's environment as it printed it. */
const serviceEnvironment = async (d: Daemon) => {
  const { lines } = (await waitFor("the service's environment in its log", async () => {
    const answer = (await d.json("GET", "/api/services/envs/logs?lines=200")) as {
      lines: Array<{ text: string }>
    }
    return answer.lines.some((l) => l.text.startsWith("PATH=")) ? answer : undefined
  })) as { lines: Array<{ text: string }> }
  return lines.map((l) => l.text)
}

describe(`glibc's mmap threshold on Node ${process.version}`, () => {
  it(
    tuned
      ? "is set by re-executing run in the same pid, and kept from the services"
      : "is left alone where process.execve is missing",
    async () => {
      const d = track(await startDaemon({ body: SERVICE }))
      const started = startEnvironment(d)
      expect(started.includes("MALLOC_MMAP_THRESHOLD_=16384")).toBe(tuned)
      const service = await serviceEnvironment(d)
      expect(service.filter((v) => v.startsWith("MALLOC_") || v.startsWith("DOCKLESS_MALLOC"))).toEqual([])
      expect(service).toContain("DOCKLESS_SERVICE=envs")
    },
  )
})
