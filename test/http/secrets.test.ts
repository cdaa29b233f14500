// Secrets stay secret, against real daemons: `secret_env` values and an env_file's reach the
// process (it writes them to a proof file) but never an API answer, an SSE frame, a log file or
// a data file other than the 0600 secrets.json (every file grepped); a PUT of the redacted value
// keeps the old one; a registered service's secret survives a restart; a missing env_file is a
// clear error at `dockless check` and at start.
import { execFile } from "node:child_process"
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import {
  BUNDLE,
  FIXTURES,
  freePort,
  startDaemon,
  tempDir,
  useDaemons,
  waitFor,
  waitForView,
} from "../support/daemon.ts"
import { openSse } from "./client.ts"

const daemons = useDaemons()
const run = promisify(execFile)

const CONFIG_SECRET = "cfg-secret-value-4711"
const FILE_SECRET = "file-secret-value-0815"
const API_SECRET = "api-secret-value-2342"
const SECRETS = [CONFIG_SECRET, FILE_SECRET, API_SECRET]

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  )

const proofOf = (file: string) =>
  waitFor(`${file}`, () => {
    try {
      return readFileSync(file, "utf8")
    } catch {
      return undefined
    }
  })

describe("secrets", () => {
  it("reach the process and nothing else: API, SSE, logs and data files show ••••", async () => {
    const dir = tempDir()
    const port = await freePort()
    writeFileSync(join(dir, "app.env"), `# the app's secrets\nexport DB_PASS="${FILE_SECRET}"\nMODE=prod\n`)
    const body = `
[services.app]
command = "${FIXTURES}/env-proof.sh"
args = ["API_KEY", "DB_PASS", "MODE"]
env = { API_KEY = "${CONFIG_SECRET}", PROOF = "${join(dir, "app.proof")}" }
secret_env = ["API_KEY"]
env_file = "app.env"
`
    const d = daemons.track(await startDaemon({ dir, port, body }))
    const events = await openSse(`${d.url}/api/events`)
    try {
      expect(await proofOf(join(dir, "app.proof"))).toBe(
        `API_KEY=${CONFIG_SECRET}\nDB_PASS=${FILE_SECRET}\nMODE=prod\n`,
      )
      const view = await waitForView(d, "app", "running", (v) => v.state === "running")
      expect(view.spec.env.API_KEY).toBe("••••")
      expect(view.spec.env_file).toBe(join(dir, "app.env"))

      // A registered one, then a PUT of the view's own (redacted) spec with one change.
      const proof = join(dir, "api.proof")
      const registered = await d.api("POST", "/api/services", {
        name: "api",
        command: `${FIXTURES}/env-proof.sh`,
        args: ["TOKEN"],
        env: { TOKEN: API_SECRET, PROOF: proof },
        secret_env: ["TOKEN"],
      })
      expect(registered.status).toBe(201)
      expect(JSON.stringify(await registered.json())).not.toContain(API_SECRET)
      expect(await proofOf(proof)).toBe(`TOKEN=${API_SECRET}\n`)
      const { spec } = await d.json("GET", "/api/services/api")
      expect(spec.env.TOKEN).toBe("••••")
      writeFileSync(proof + ".old", "")
      const put = await d.api("PUT", "/api/services/api", {
        ...spec,
        name: undefined,
        args: ["TOKEN", "PROOF"],
      })
      expect(put.status).toBe(200)
      await waitFor("the replaced service to write its proof again", () =>
        readFileSync(proof, "utf8").includes("PROOF=") ? true : undefined,
      )
      expect(readFileSync(proof, "utf8")).toBe(`TOKEN=${API_SECRET}\nPROOF=${proof}\n`)
      expect(statSync(join(dir, "data/secrets.json")).mode & 0o777).toBe(0o600)
      expect(readFileSync(join(dir, "data/secrets.json"), "utf8")).toContain(API_SECRET)

      // Every answer of the API, every frame, every file, the daemon's own output.
      const answers = await Promise.all(
        ["/api/services", "/api/services/app", "/api/services/api", "/api/services/app/logs", "/metrics"].map(
          async (path) => (await d.api("GET", path)).text(),
        ),
      )
      await d.api("POST", "/api/services/app/restart")
      await events.next("a frame after the restart", (f) => f.event === "service" && f.data.name === "app", 0)
      const frames = JSON.stringify(events.frames)
      expect(frames).toContain("••••")
      const files = filesUnder(join(dir, "data")).filter((f) => !f.endsWith("secrets.json"))
      expect(files.some((f) => f.endsWith("services.json"))).toBe(true)
      expect(files.some((f) => f.endsWith("app.log"))).toBe(true)
      const texts = [...answers, frames, d.output, ...files.map((f) => readFileSync(f, "utf8"))]
      for (const secret of SECRETS) for (const text of texts) expect(text).not.toContain(secret)

      // After a restart of Dockless, the registered service still gets its real secret.
      await d.stop()
      writeFileSync(proof, "")
      const again = daemons.track(await startDaemon({ dir, port, body }))
      await waitFor("the restored service's proof", () =>
        readFileSync(proof, "utf8") !== "" ? true : undefined,
      )
      expect(readFileSync(proof, "utf8")).toBe(`TOKEN=${API_SECRET}\nPROOF=${proof}\n`)
      expect(JSON.stringify(await again.json("GET", "/api/services"))).not.toContain(API_SECRET)
    } finally {
      events.close()
    }
  })

  it("a missing env_file is a clear error at check and at start", async () => {
    const dir = tempDir()
    const body = `[services.app]\ncommand = "${FIXTURES}/sleeper.sh"\nenv_file = "missing.env"\n`
    const d = daemons.track(await startDaemon({ dir, body }))
    const checked = await run(process.execPath, [BUNDLE, "check", "--config", d.configPath]).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect(checked).toMatchObject({ code: 2 })
    expect("stderr" in checked ? checked.stderr : "").toContain(
      `services.app.env_file: env_file ${join(dir, "missing.env")} cannot be read: no such file or directory (ENOENT)`,
    )
    const view = await waitForView(d, "app", "an error", (v) => v.error !== null)
    expect(view.error).toContain("missing.env cannot be read")
  })
})
