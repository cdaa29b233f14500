// No process escapes: a grandchild that calls setsid leaves its service's process group, so the
// group signals of a stop miss it. Dockless still finds it by the DOCKLESS_RUN marker in its
// environment: a stop signals it with the group, and once the run has ended (a crash) the next
// sweep kills it. Real daemon, real setsid (test/fixtures/escape.mjs), checked in /proc.
import { readFileSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import {
  FIXTURES,
  isAlive,
  launch,
  useDaemons,
  waitFor,
  waitForView,
  type Daemon,
} from "../support/daemon.ts"
import { SWEEP_MS } from "../../src/actors/Escapees.ts"

const daemons = useDaemons()
const pids: Array<number> = []
afterEach(() => {
  for (const pid of pids.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL")
})

const escaping = (name: string, extra = "") =>
  `[services.${name}]\ncommand = "node"\nargs = ["${FIXTURES}/escape.mjs"]\n${extra}\n`

/** The process group and session of `pid`, from /proc/PID/stat. */
const groupOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  return { pgid: Number(fields[2]), sid: Number(fields[3]) }
}

/** The pid the fixture printed, once it is alive outside the service's group and session. */
const escapedOf = async (d: Daemon, name: string): Promise<number> => {
  const service = await waitForView(d, name, "running", (v) => v.state === "running" && v.pid !== null)
  const pid = await waitFor(`${name} to print its escaped pid`, async () => {
    const { lines } = await d.json("GET", `/api/services/${name}/logs`)
    const line = (lines as Array<{ text: string }>).find((l) => l.text.startsWith("escaped "))
    return line === undefined ? undefined : Number(line.text.slice(8))
  })
  pids.push(pid)
  expect(isAlive(pid)).toBe(true)
  // It really left: another group and another session than the service's main process.
  expect(groupOf(pid).pgid).not.toBe(groupOf(service.pid).pgid)
  expect(groupOf(pid).sid).toBe(pid)
  return pid
}

describe("a grandchild that escaped with setsid", () => {
  it("is stopped with its service", async () => {
    const d = await daemons.start(escaping("esc"))
    const escaped = await escapedOf(d, "esc")
    expect((await d.api("POST", "/api/services/esc/stop")).status).toBe(202)
    await waitForView(d, "esc", "stopped", (v) => v.state === "stopped")
    await waitFor(`escaped pid ${escaped} to be gone`, () => (isAlive(escaped) ? undefined : true), 3000)
  })

  it(`is killed by the sweep within about ${SWEEP_MS} ms of its main process crashing`, async () => {
    const d = await daemons.start(escaping("crasher", `restart = "never"\nenv = { CRASH_AFTER_MS = "500" }`))
    const escaped = await escapedOf(d, "crasher")
    await waitForView(d, "crasher", "exited", (v) => v.state === "exited")
    const exitedAt = Date.now()
    await waitFor(`escaped pid ${escaped} to be gone`, () => (isAlive(escaped) ? undefined : true), 5000)
    expect(Date.now() - exitedAt).toBeLessThan(2 * SWEEP_MS + 500)
  })

  it("is stopped with its service when the service is deleted", async () => {
    const d = await daemons.start("")
    expect(
      (
        await d.api("POST", "/api/services", {
          name: "reg",
          command: "node",
          args: [`${FIXTURES}/escape.mjs`],
        })
      ).status,
    ).toBe(201)
    const escaped = await escapedOf(d, "reg")
    expect((await d.api("DELETE", "/api/services/reg")).status).toBe(204)
    await waitFor(`escaped pid ${escaped} to be gone`, () => (isAlive(escaped) ? undefined : true), 3000)
  })

  it("is stopped at the next start after a kill -9 of Dockless, found by its instance marker", async () => {
    const first = await daemons.start(escaping("esc"))
    const escaped = await escapedOf(first, "esc")
    first.child.kill("SIGKILL")
    await first.exited
    expect(isAlive(escaped)).toBe(true)
    const second = daemons.track(await launch(first.dir, first.configPath, first.port))
    await waitForView(second, "esc", "running again", (v) => v.state === "running")
    await waitFor(`escaped pid ${escaped} to be gone`, () => (isAlive(escaped) ? undefined : true), 3000)
  })
})
