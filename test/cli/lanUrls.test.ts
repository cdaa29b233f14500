// What `dockless run` prints in a terminal: the dashboard's URL on each LAN address, and a QR code.
import { networkInterfaces } from "node:os"
import { describe, expect, it } from "vitest"
import { lanUrls, lanUrlsText } from "../../src/cli/LanUrls.ts"
import { defaultConfig } from "../../src/config/Config.ts"

describe("LAN URLs", () => {
  it("lists every non-loopback IPv4 address of a wildcard listener, with the scheme served", () => {
    const config = defaultConfig("/tmp")
    const expected = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((entry) => entry.family === "IPv4" && !entry.internal)
      .map((entry) => `https://${entry.address}:3080/`)
    expect(lanUrls(config, "https://0.0.0.0:3080/")).toEqual(expected)
  })

  it("gives the one address a specific listener listens on, with a QR code of it", () => {
    const config = { ...defaultConfig("/tmp"), listen_host: "192.0.2.9" }
    expect(lanUrls(config, "http://192.0.2.9:3080/")).toEqual(["http://192.0.2.9:3080/"])
    const text = lanUrlsText(config, "http://192.0.2.9:3080/")
    expect(text).toContain("    http://192.0.2.9:3080/")
    expect(text).toMatch(/[█▀▄]{10}/)
  })
})
