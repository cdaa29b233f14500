// Boot time: from spawning the daemon to its API answering, and to every service running,
// for 1, 50 and 200 `sleep` services (median of 5 boots each). Polls every 5 ms.
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { nodeFlags } from "../src/version.ts"
import { BUNDLE, median, sleep, TOKEN } from "./support.ts"

const bootOnce = async (count: number, port: number) => {
  const dir = mkdtempSync(join(tmpdir(), "dockless-boot-"))
  const services = Array.from(
    { length: count },
    (_, i) => `[services.s${i}]\ncommand = "sleep"\nargs = ["3600"]\n`,
  ).join("")
  writeFileSync(
    join(dir, "config.toml"),
    `listen_port = ${port}\nlisten_host = "127.0.0.1"\ndata_dir = "data"\n[auth]\ntoken = "${TOKEN}"\n${services}`,
  )
  const url = `http://127.0.0.1:${port}`
  const t0 = performance.now()
  const child = spawn(process.execPath, [...nodeFlags, BUNDLE, "run", "--config", join(dir, "config.toml")], {
    stdio: "ignore",
  })
  let listening = 0
  for (;;) {
    if ((await fetch(`${url}/api/health`).catch(() => undefined))?.ok) break
    await sleep(5)
  }
  listening = performance.now() - t0
  for (;;) {
    const views: Array<{ state: string }> = await (
      await fetch(`${url}/api/services`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()
    if (views.filter((v) => v.state === "running").length === count) break
    await sleep(5)
  }
  const allRunning = performance.now() - t0
  child.kill("SIGTERM")
  await new Promise((r) => child.once("exit", r))
  rmSync(dir, { recursive: true, force: true })
  return { listening, allRunning }
}

export const boot = async (counts: ReadonlyArray<number> = [1, 50, 200], runs = 5) => {
  const results: Array<Record<string, number>> = []
  for (const count of counts) {
    const samples = []
    for (let i = 0; i < runs; i++) samples.push(await bootOnce(count, 3184))
    results.push({
      services: count,
      api_listening_ms: Math.round(median(samples.map((s) => s.listening))),
      all_running_ms: Math.round(median(samples.map((s) => s.allRunning))),
    })
  }
  return { runs, results }
}
