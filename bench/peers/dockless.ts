// Dockless as its users run it: the bundle with the production Node flags, `run --config` on a
// generated config.toml with one `[services.NAME]` table per service. Every service restarts
// always, at once (`backoff.initial = 0`) and without an intensity limit that a bench could
// hit; logs are never rotated (`max_bytes` far above anything the bench writes). Stopped by
// SIGTERM, as systemd stops it.
import { spawn } from "node:child_process"
import { closeSync, openSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { nodeFlags, version } from "../../src/version.ts"
import { BUNDLE, freePort, TOKEN } from "../support.ts"
import { exitOf, type Peer, type ServiceDef } from "./Peer.ts"

const toml = (value: string) => JSON.stringify(value)

const table = (service: ServiceDef) => {
  const env = Object.entries(service.env).map(([k, v]) => `${k} = ${toml(v)}`)
  return [
    `[services.${service.name}]`,
    `command = ${toml(service.command)}`,
    `args = [${service.args.map(toml).join(", ")}]`,
    ...(env.length > 0 ? [`env = { ${env.join(", ")} }`] : []),
    "",
  ].join("\n")
}

const config = (port: number, services: ReadonlyArray<ServiceDef>) =>
  [
    `listen_port = ${port}`,
    `listen_host = "127.0.0.1"`,
    `data_dir = "data"`,
    `[auth]`,
    `token = "${TOKEN}"`,
    `[log]`,
    `max_bytes = "1TiB"`,
    `keep = 1`,
    `[defaults]`,
    `restart = "always"`,
    `backoff = { initial = 0 }`,
    `intensity = { max_restarts = 1000000, period = "1s" }`,
    "",
    ...services.map(table),
  ].join("\n")

/** Dockless from `bundle` (another build's, to compare two builds in one run). */
export const docklessFrom = (bundle: string, name: string, release: string): Peer => ({
  name,
  version: release,
  linePrefix: 32,
  ownLine: /^\S+ dockless /,
  start: async (dir, services) => {
    const port = await freePort()
    const file = join(dir, "config.toml")
    writeFileSync(file, config(port, services))
    const out = openSync(join(dir, "daemon.out"), "a")
    const child = spawn(process.execPath, [...nodeFlags, bundle, "run", "--config", file], {
      cwd: dir,
      stdio: ["ignore", out, out],
    })
    closeSync(out)
    return {
      daemonPid: () => child.pid,
      logOf: (service) => join(dir, "data/logs", `${service}.log`),
      stop: async () => {
        child.kill("SIGTERM")
        await exitOf(child)
      },
      http: { url: `http://127.0.0.1:${port}`, token: TOKEN },
    }
  },
})

export const dockless: Peer = docklessFrom(BUNDLE, "Dockless", `Dockless ${version}`)
