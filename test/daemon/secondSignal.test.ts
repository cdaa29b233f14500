// A second SIGTERM/SIGINT while Dockless stops its services gracefully (issue 18, point 4): it
// does not leave them running, orphaned, until the next start. Every service's process group
// gets SIGKILL (the service and the grandchild it left in its group), a line says so, and
// Dockless exits with 128 + the signal's number.
import { describe, expect, it } from "vitest"
import { FIXTURES, isAlive, startDaemon, useDaemons, waitFor, waitForView } from "../support/daemon.ts"

const daemons = useDaemons()

describe("a second signal", () => {
  it("SIGKILLs every service's process group, says so, and exits 143", async () => {
    const d = daemons.track(
      await startDaemon({
        body: [
          `[services.stubborn]`,
          `command = "${FIXTURES}/ignore-sigterm.sh"`,
          `stop_timeout = "60s"`,
          `[services.calm]`,
          `command = "${FIXTURES}/sleeper.sh"`,
        ].join("\n"),
      }),
    )
    const stubborn = await waitForView(d, "stubborn", "running", (v) => v.state === "running")
    const calm = await waitForView(d, "calm", "running", (v) => v.state === "running")
    const grandchild = Number(
      await waitFor("the grandchild's pid", async () => {
        const { lines } = await d.json("GET", "/api/services/stubborn/logs?lines=10")
        return lines.find((l: { text: string }) => l.text.startsWith("grandchild "))?.text.split(" ")[1]
      }),
    )
    expect(isAlive(grandchild)).toBe(true)

    d.child.kill("SIGTERM")
    // The first signal: calm stops, stubborn ignores its SIGTERM and would be waited for 60 s.
    await waitFor("calm to be stopped", () => (isAlive(calm.pid) ? undefined : true))
    expect(isAlive(stubborn.pid)).toBe(true)

    d.child.kill("SIGTERM")
    expect(await d.exited).toBe(143)
    await waitFor("stubborn and its grandchild to be gone", () =>
      isAlive(stubborn.pid) || isAlive(grandchild) ? undefined : true,
    )
    expect(d.output).toMatch(
      /warn: second SIGTERM: sent SIGKILL to \d+ service process(es)? and their process groups \(pids [\d, ]+\) instead of stopping them gracefully; exiting at once/,
    )
  })
})
