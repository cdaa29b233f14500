// Faults of the data dir, end to end: a write the API acknowledges is on disk, and a write the
// disk refuses is 507 with nothing changed (no ghost service, no desired state that differs
// from disk, no temp file left); a data dir that cannot be used at start is one line naming
// the real cause. Real mounts (a full tmpfs, a read-only bind mount) where root may mount.
import { spawnSync } from "node:child_process"
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { nodeFlags } from "../../src/version.ts"
import {
  BUNDLE,
  FIXTURES,
  freePort,
  launch,
  tempDir,
  useDaemons,
  view,
  waitForView,
} from "../support/daemon.ts"
import { mountReadOnly, mountTmpfs, unmountAll } from "../support/mounts.ts"

const daemons = useDaemons()
afterEach(() => unmountAll())

const sleeper = `[services.s]\ncommand = "${FIXTURES}/sleeper.sh"\n`
const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.includes(".tmp-"))

const configIn = (dir: string, port: number, dataDir = "data") => {
  const path = join(dir, "config.toml")
  writeFileSync(
    path,
    `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "${dataDir}"\n[auth]\ntoken = "test-token-0123456789"\n${sleeper}`,
  )
  return path
}

/** Fills the file system of `dir` until it has no room left. */
const fill = (dir: string) => {
  const filler = join(dir, "filler")
  const chunk = Buffer.alloc(4096, 1)
  let written = 0
  for (;;) {
    try {
      writeFileSync(filler, chunk, { flag: "a" })
      written += chunk.length
    } catch {
      return { filler, written }
    }
  }
}

describe("writes the disk refuses", () => {
  it("answers a stop whose desired state cannot be saved with 507, and the service keeps running, also after a restart", async () => {
    const d = await daemons.start(sleeper)
    const before = await waitForView(d, "s", "running", (v) => v.state === "running")
    const state = join(d.dir, "data", "state.json")
    // state.json cannot be replaced while a non-empty directory stands in its place.
    rmSync(state, { force: true })
    mkdirSync(join(state, "x"), { recursive: true })
    const refused = await d.api("POST", "/api/services/s/stop")
    expect(refused.status).toBe(507)
    expect((await refused.json()).error).toMatch(/^nothing was changed: cannot write .*state\.json: /)
    const after = await view(d, "s")
    expect([after.state, after.desired, after.pid]).toEqual(["running", "running", before.pid])
    expect(tempFiles(join(d.dir, "data"))).toEqual([])
    rmSync(state, { recursive: true })
    expect(await d.stop()).toBe(0)
    const again = daemons.track(await launch(d.dir, d.configPath, d.port))
    await waitForView(again, "s", "running after a restart", (v) => v.state === "running")
  })

  it("on a full data disk refuses a registration and a stop with 507, leaving no ghost and no temp file, and works once there is room", async (ctx) => {
    const dir = tempDir()
    const data = join(dir, "data")
    mkdirSync(data)
    const refusedMount = mountTmpfs(data, "512k")
    if (refusedMount !== undefined) return ctx.skip(`cannot mount a tmpfs: ${refusedMount}`)
    const port = await freePort()
    const d = daemons.track(await launch(dir, configIn(dir, port), port))
    await waitForView(d, "s", "running", (v) => v.state === "running")
    const { filler } = fill(data)
    const body = { name: "ghost", command: `${FIXTURES}/sleeper.sh` }
    const register = await d.api("POST", "/api/services", body)
    expect(register.status).toBe(507)
    expect((await register.json()).error).toContain("no space left on device (ENOSPC)")
    expect((await d.api("GET", "/api/services/ghost")).status).toBe(404)
    const stop = await d.api("POST", "/api/services/s/stop")
    expect(stop.status).toBe(507)
    expect((await view(d, "s")).desired).toBe("running")
    expect(tempFiles(data)).toEqual([])
    rmSync(filler)
    expect((await d.api("POST", "/api/services", body)).status).toBe(201)
    expect((await d.api("POST", "/api/services/s/stop")).status).toBe(202)
    await waitForView(d, "s", "stopped", (v) => v.state === "stopped")
  })
})

describe("a data dir that cannot be used at start", () => {
  const start = (dir: string, port: number, dataDir: string) =>
    spawnSync(process.execPath, [...nodeFlags, BUNDLE, "run", "--config", configIn(dir, port, dataDir)], {
      encoding: "utf8",
      timeout: 20_000,
    })

  it("exits 1 with one line naming EROFS for a read-only data dir", async (ctx) => {
    const dir = tempDir()
    const data = join(dir, "data")
    mkdirSync(join(data, "logs"), { recursive: true })
    const refused = await mountReadOnly(data)
    if (refused !== undefined) return ctx.skip(`cannot make a read-only bind mount: ${refused}`)
    const run = start(dir, await freePort(), "data")
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`cannot use the data dir ${data}: read-only file system (EROFS)`)
  })

  it("names EROFS, not ENOENT, for a missing data dir under a read-only mount", async (ctx) => {
    const dir = tempDir()
    const parent = join(dir, "ro")
    mkdirSync(parent)
    const refused = await mountReadOnly(parent)
    if (refused !== undefined) return ctx.skip(`cannot make a read-only bind mount: ${refused}`)
    const run = start(dir, await freePort(), "ro/data")
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(
      `cannot use the data dir ${join(parent, "data")}: read-only file system (EROFS)`,
    )
    expect(run.stderr).not.toContain("ENOENT")
  })
})
