// The floor of the side-by-side bench: an ordinary respawner, the least a Node supervisor can
// do. It spawns each service of the JSON file named by argv[2] with the service's log file (opened
// once, for appending) as its stdout and stderr, so the daemon never touches a byte of output, and
// respawns it the moment it exits. SIGTERM stops every child; the process exits once they are all
// gone. No API, no state, no backoff, no log framing or rotation.
import { spawn } from "node:child_process"
import { openSync, readFileSync } from "node:fs"

const services = JSON.parse(readFileSync(process.argv[2], "utf8"))
const live = new Set()
let stopping = false

const start = (service, log) => {
  const child = spawn(service.command, service.args, {
    env: { ...process.env, ...service.env },
    stdio: ["ignore", log, log],
  })
  live.add(child)
  child.once("exit", () => {
    live.delete(child)
    if (!stopping) start(service, log)
    else if (live.size === 0) process.exit(0)
  })
}

for (const service of services) start(service, openSync(service.log, "a"))

process.on("SIGTERM", () => {
  stopping = true
  if (live.size === 0) process.exit(0)
  for (const child of live) child.kill("SIGTERM")
})
