// The floor of the side-by-side bench: the least a Node supervisor can do. It spawns each
// service of the JSON file named by argv[2], respawns it the moment it exits, and pipes its
// stdout and stderr, unframed, to the service's log file. SIGTERM stops every child; the
// process exits once they are all gone. No API, no state, no backoff, no log rotation.
import { spawn } from "node:child_process"
import { createWriteStream, readFileSync } from "node:fs"

const services = JSON.parse(readFileSync(process.argv[2], "utf8"))
const live = new Set()
let stopping = false

const start = (service, log) => {
  const child = spawn(service.command, service.args, {
    env: { ...process.env, ...service.env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  live.add(child)
  child.stdout.pipe(log, { end: false })
  child.stderr.pipe(log, { end: false })
  child.once("exit", () => {
    live.delete(child)
    if (!stopping) start(service, log)
    else if (live.size === 0) process.exit(0)
  })
}

for (const service of services) start(service, createWriteStream(service.log, { flags: "a" }))

process.on("SIGTERM", () => {
  stopping = true
  if (live.size === 0) process.exit(0)
  for (const child of live) child.kill("SIGTERM")
})
