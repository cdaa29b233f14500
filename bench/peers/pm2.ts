// PM2 as its users run it: `pm2 start ecosystem.config.cjs` (which starts the God daemon) and
// `pm2 kill` to stop (what `pm2 startup`'s systemd unit runs as ExecStop), with its own
// PM2_HOME in the run's temp dir. PM2 is never a dependency of the project: the bench installs
// it from the npm registry into a temp prefix (kept between runs, keyed by version). Every app
// runs the command directly (`interpreter: "none"`, fork mode), restarts at once
// (`restart_delay: 0`) and is never marked errored for restarting too fast (`min_uptime: 0`);
// PM2 does not rotate logs unless the pm2-logrotate module is installed.
import { execFileSync, spawn } from "node:child_process"
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { exitOf, type Peer, type ServiceDef } from "./Peer.ts"

export const PM2_VERSION = "7.0.4"

/** Installs PM2 into a temp prefix unless an earlier run did; returns the path of its CLI. */
const install = (): string => {
  const prefix = join(tmpdir(), `dockless-bench-pm2-${PM2_VERSION}`)
  const cli = join(prefix, "node_modules/pm2/bin/pm2")
  if (!existsSync(cli)) {
    console.error(`installing pm2@${PM2_VERSION} into ${prefix}`)
    execFileSync(
      "npm",
      ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--loglevel=error", `pm2@${PM2_VERSION}`],
      { stdio: ["ignore", "ignore", "inherit"] },
    )
  }
  return cli
}

const app = (dir: string, service: ServiceDef) => ({
  name: service.name,
  script: service.command,
  args: service.args,
  env: service.env,
  interpreter: "none",
  exec_mode: "fork",
  autorestart: true,
  restart_delay: 0,
  min_uptime: 0,
  max_restarts: 1_000_000_000,
  out_file: join(dir, "logs", `${service.name}.out.log`),
  error_file: join(dir, "logs", `${service.name}.err.log`),
})

export const pm2 = (): Peer => {
  const cli = install()
  const pkg: { version: string } = JSON.parse(readFileSync(join(cli, "../../package.json"), "utf8"))
  return {
    name: "PM2",
    version: `PM2 ${pkg.version}`,
    linePrefix: 0,
    ownLine: undefined,
    start: async (dir, services) => {
      const home = join(dir, "pm2-home")
      const env = { ...process.env, PM2_HOME: home }
      const ecosystem = join(dir, "ecosystem.config.cjs")
      writeFileSync(
        ecosystem,
        `module.exports = ${JSON.stringify({ apps: services.map((s) => app(dir, s)) })}\n`,
      )
      const out = openSync(join(dir, "cli.out"), "a")
      const pm2 = (...args: Array<string>) =>
        spawn(process.execPath, [cli, ...args], { cwd: dir, env, stdio: ["ignore", out, out] })
      const started = exitOf(pm2("start", ecosystem))
      const pidFile = join(home, "pm2.pid")
      return {
        daemonPid: () => {
          const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : NaN
          return Number.isInteger(pid) && pid > 0 ? pid : undefined
        },
        logOf: (service) => join(dir, "logs", `${service}.out.log`),
        stop: async () => {
          await started
          await exitOf(pm2("kill"))
          closeSync(out)
        },
      }
    },
  }
}
