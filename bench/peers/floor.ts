// The bare-Node floor (bench/peers/floor.mjs) as a peer: run with plain node and Dockless's Node
// flags but those only its heap governor makes good (plainNodeFlags: the floor keeps V8's memory
// reducer), so what separates the two is Dockless's own work. Stopped by SIGTERM.
import { spawn } from "node:child_process"
import { closeSync, openSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { plainNodeFlags } from "../../src/version.ts"
import { exitOf, type Peer } from "./Peer.ts"

const script = join(import.meta.dirname, "floor.mjs")

export const floor: Peer = {
  name: "bare Node floor",
  version: `bench/peers/floor.mjs on Node ${process.version}`,
  linePrefix: 0,
  ownLine: undefined,
  start: async (dir, services) => {
    const logOf = (service: string) => join(dir, `${service}.log`)
    const file = join(dir, "services.json")
    writeFileSync(file, JSON.stringify(services.map((s) => ({ ...s, log: logOf(s.name) }))))
    const out = openSync(join(dir, "daemon.out"), "a")
    const child = spawn(process.execPath, [...plainNodeFlags, script, file], { stdio: ["ignore", out, out] })
    closeSync(out)
    return {
      daemonPid: () => child.pid,
      logOf,
      stop: async () => {
        child.kill("SIGTERM")
        await exitOf(child)
      },
    }
  },
}
