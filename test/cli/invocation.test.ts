// Advice names a command that exists at that moment (issue 18, point 7): `dockless` only when
// this is the installed bundle, otherwise `node` and the bundle's path as seen from here.
import { describe, expect, it } from "vitest"
import { asTyped, invocation } from "../../src/cli/Invocation.ts"

describe("invocation", () => {
  it("is `dockless` for the installed bundle the launcher runs", () => {
    expect(invocation("/usr/local/lib/dockless", "/usr/local/lib/dockless/dockless.mjs", "/root")).toBe(
      "dockless",
    )
  })

  it("is `node PATH` for a build not installed (before an install, after an uninstall)", () => {
    expect(
      invocation("/home/pi/dockless/dist", "/home/pi/dockless/dist/dockless.mjs", "/home/pi/dockless"),
    ).toBe("node dist/dockless.mjs")
    expect(invocation("/home/pi/dockless/dist", "/home/pi/dockless/dist/dockless.mjs", "/tmp")).toBe(
      "node /home/pi/dockless/dist/dockless.mjs",
    )
  })

  it("quotes arguments a shell would split", () => {
    expect(asTyped(["check", "--config", "my config.toml"], "dockless")).toBe(
      "dockless check --config 'my config.toml'",
    )
  })
})
