// supervisord as Debian runs it (`supervisord -n -c FILE`, the packaged unit's command line) on
// a generated supervisord.conf: one [program:NAME] per service with `autorestart=true`,
// `startsecs=0` (running as soon as it is spawned, so a quick exit is a restart, never a
// FATAL after `startretries`), stdout to a file that is never rotated (`maxbytes=0`), stderr
// merged into it; supervisorctl's socket as a stock config has it. Stopped by SIGTERM, as
// systemd stops it. Absent: the bench says how to install it and goes on without it.
import { execFileSync, spawn } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { exitOf, type Peer, type ServiceDef } from "./Peer.ts"

const BINARY = "/usr/bin/supervisord"
export const SUPERVISORD_MISSING = `supervisord not found at ${BINARY}: install it with \`apt-get install supervisor\` (Debian/Ubuntu); going on without it`

/** supervisord's %-expansion applies to command and environment: a literal % is written %%. */
const literal = (value: string) => value.replaceAll("%", "%%")
const quoted = (value: string) => `"${literal(value).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`

const program = (dir: string, service: ServiceDef) => {
  const env = Object.entries(service.env).map(([k, v]) => `${k}=${quoted(v)}`)
  return [
    `[program:${service.name}]`,
    `command=${[service.command, ...service.args].map(quoted).join(" ")}`,
    ...(env.length > 0 ? [`environment=${env.join(",")}`] : []),
    "autorestart=true",
    "startsecs=0",
    "startretries=1000000",
    `stdout_logfile=${join(dir, "logs", `${service.name}.log`)}`,
    "stdout_logfile_maxbytes=0",
    "redirect_stderr=true",
    "",
  ].join("\n")
}

const config = (dir: string, services: ReadonlyArray<ServiceDef>) =>
  [
    "[supervisord]",
    `logfile=${join(dir, "supervisord.log")}`,
    `pidfile=${join(dir, "supervisord.pid")}`,
    `childlogdir=${dir}`,
    // minfds stays at its stock 1024: each child closes fds 3..minfds-1 one by one before its
    // exec, so a larger value slows every spawn; the fd limit here is far above what 1000 need.
    "[unix_http_server]",
    `file=${join(dir, "supervisor.sock")}`,
    "[rpcinterface:supervisor]",
    "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    "[supervisorctl]",
    `serverurl=unix://${join(dir, "supervisor.sock")}`,
    "",
    ...services.map((s) => program(dir, s)),
  ].join("\n")

/** undefined when supervisord is not installed. */
export const supervisord = (): Peer | undefined => {
  if (!existsSync(BINARY)) return undefined
  const version = execFileSync(BINARY, ["--version"], { encoding: "utf8" }).trim()
  return {
    name: "supervisord",
    version: `supervisord ${version}`,
    linePrefix: 0,
    ownLine: undefined,
    start: async (dir, services) => {
      const file = join(dir, "supervisord.conf")
      mkdirSync(join(dir, "logs"), { recursive: true })
      writeFileSync(file, config(dir, services))
      const out = openSync(join(dir, "daemon.out"), "a")
      const child = spawn(BINARY, ["-n", "-c", file], { cwd: dir, stdio: ["ignore", out, out] })
      closeSync(out)
      return {
        daemonPid: () => child.pid,
        logOf: (service) => join(dir, "logs", `${service}.log`),
        stop: async () => {
          child.kill("SIGTERM")
          await exitOf(child)
        },
      }
    },
  }
}
