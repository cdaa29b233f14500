// sd_notify datagrams read as systemd reads them: KEY=VALUE lines, the first of a key counting,
// unknown keys and malformed lines read past, MAINPID only as a plain positive number.
import { describe, expect, it } from "vitest"
import { isNews, parseNotice } from "../../src/actors/NotifyMessage.ts"

describe("parseNotice", () => {
  it("reads READY, STATUS, MAINPID, STOPPING and WATCHDOG", () => {
    expect(parseNotice("READY=1\nSTATUS=serving 3 clients\nMAINPID=4242\nSTOPPING=1\nWATCHDOG=1")).toEqual({
      ready: true,
      status: "serving 3 clients",
      mainPid: 4242,
      stopping: true,
      watchdog: true,
    })
  })

  it.each<[string, string]>([
    ["READY=0", "ready"],
    ["WATCHDOG=trigger", "watchdog"],
    ["STOPPING=yes", "stopping"],
  ])("takes only =1 as a flag: %s", (text, key) => {
    expect(parseNotice(text)).toEqual(expect.objectContaining({ [key]: false }))
  })

  it("keeps the first of a key, an empty STATUS, and reads past what it does not know", () => {
    expect(parseNotice("STATUS=first\nSTATUS=second").status).toBe("first")
    expect(parseNotice("STATUS=").status).toBe("")
    const other = parseNotice("BARRIER=1\nFDSTORE=1\nnonsense\n=x\nRELOADING=1")
    expect(other).toEqual({
      ready: false,
      status: undefined,
      mainPid: undefined,
      stopping: false,
      watchdog: false,
    })
    expect(isNews(other)).toBe(false)
  })

  it.each(["0", "-1", "12a", "", "99999999999", "007"])("refuses MAINPID=%s", (pid) => {
    expect(parseNotice(`MAINPID=${pid}`).mainPid).toBeUndefined()
  })

  it("counts READY=1 alone as no news for the model (it comes as Readied)", () => {
    expect(isNews(parseNotice("READY=1"))).toBe(false)
    expect(isNews(parseNotice("WATCHDOG=1"))).toBe(true)
  })
})
