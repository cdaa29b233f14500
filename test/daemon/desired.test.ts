// The desired state a person was told is the one Dockless keeps across its own restart.
// Found by the kill -9 soak (test/soak/killnine.ts): a registered service's desired state was
// not written until a start/stop changed it, so after a restart it was derived again from the
// spec's current `autostart`, and a PUT that changed `autostart` silently changed it. The
// registration now saves it (RootSupervisor.register).
import { describe, expect, it } from "vitest"
import { launch, useDaemons, view } from "../support/daemon.ts"

const daemons = useDaemons()
const spec = (autostart: boolean) => ({ name: "x", command: "sleep", args: ["600"], autostart })

describe("the desired state through a restart of Dockless", () => {
  it("stays stopped for a service registered with autostart = false, after a PUT to autostart = true", async () => {
    const first = await daemons.start("")
    expect((await first.json("POST", "/api/services", spec(false))).desired).toBe("stopped")
    expect((await first.json("PUT", "/api/services/x", spec(true))).desired).toBe("stopped")
    await first.stop()
    const second = daemons.track(await launch(first.dir, first.configPath, first.port))
    expect((await view(second, "x")).desired).toBe("stopped")
  })
})
