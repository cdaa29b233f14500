// The bundle on arm64, as a Raspberry Pi runs it: Node 22 for arm64 under qemu-user on this x64
// machine (test/support/arm64.ts). It starts, answers the API, takes a registration, restarts a
// service whose process was killed with SIGKILL, and on SIGTERM stops leaving no process.
// Slow under emulation (seconds per start), so it checks each step once.
import { describe, expect, it } from "vitest"
import { arm64Node, skipsArm64 } from "../support/arm64.ts"
import { FIXTURES, isAlive, startDaemon, useDaemons, waitForView } from "../support/daemon.ts"

const daemons = useDaemons()

describe.skipIf(skipsArm64("the arm64 smoke test"))("Dockless on arm64 Node under qemu-user", () => {
  it("starts, registers, restarts a killed service and stops leaving nothing", async () => {
    const d = daemons.track(
      await startDaemon({
        node: arm64Node(),
        readyMs: 90_000,
        body: `[services.conf]\ncommand = "${FIXTURES}/sleeper.sh"\n`,
      }),
    )
    const health = await d.json("GET", "/api/health")
    expect(health.status).toBe("ok")
    expect(
      (await d.api("POST", "/api/services", { name: "api", command: `${FIXTURES}/sleeper.sh` })).status,
    ).toBe(201)
    const first = await waitForView(d, "api", "running", (v) => v.state === "running", 60_000)
    process.kill(first.pid, "SIGKILL")
    const again = await waitForView(
      d,
      "api",
      "restarted",
      (v) => v.state === "running" && v.pid !== first.pid,
      60_000,
    )
    const conf = await waitForView(d, "conf", "running", (v) => v.state === "running", 60_000)
    expect(await d.stop(60_000)).toBe(0)
    expect(isAlive(again.pid)).toBe(false)
    expect(isAlive(conf.pid)).toBe(false)
  }, 240_000)
})
