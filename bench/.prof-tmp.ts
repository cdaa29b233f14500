import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { cpuSeconds, sleep, waitFor } from "./support.ts"
import { withPeer } from "./peers/Session.ts"
import { dockless } from "./peers/dockless.ts"
import { floor } from "./peers/floor.ts"
import { execFileSync } from "node:child_process"
import { ROOT } from "./support.ts"

const MiB = 1048576
const bytes = Number(process.env.MIB ?? 100) * MiB
const threads = (pid: number) =>
  Object.fromEntries(
    readdirSync(`/proc/${pid}/task`).map((t) => {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8")
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return [`${t}:${comm}`, [Number(f[11]), Number(f[12])]]
    }),
  )
const peer = process.env.PEER === "floor" ? floor : dockless
const extra = (process.env.NODEARGS ?? "").split(" ").filter((x) => x !== "")
const p2 = extra.length === 0 ? peer : { ...peer, start: async (dir: string, s: any) => {
  const { nodeFlags } = await import("../src/version.ts")
  ;(nodeFlags as string[]).push(...extra)
  return peer.start(dir, s)
} }
await withPeer(p2, (dir) => {
  execFileSync("mkfifo", [join(dir, "gate")])
  return [{ name: "firehose", command: process.execPath, args: [join(ROOT, "bench/fixtures/gated-firehose.mjs")], env: { BYTES: String(bytes), GATE: join(dir, "gate") } }]
}, async (session) => {
  const pid = await session.daemon()
  const g = await waitFor("gate", async () => openSync(join(session.dir, "gate"), constants.O_WRONLY | constants.O_NONBLOCK))
  const log = session.running.logOf("firehose")
  const size = () => (existsSync(log) ? statSync(log).size : 0)
  const expected = size() + (bytes / 64) * (64 + peer.linePrefix)
  const th0 = threads(pid)
  const cpu0 = cpuSeconds(pid)
  const t0 = performance.now()
  writeSync(g, "go"); closeSync(g)
  while (size() < expected) await sleep(5)
  const s = (performance.now() - t0) / 1000
  const th1 = threads(pid)
  console.log(`${peer.name}: ${(bytes / MiB / s).toFixed(0)} MiB/s, ${(((cpuSeconds(pid) - cpu0) * 1000) / (bytes / MiB)).toFixed(2)} ms CPU/MiB`)
  for (const [k, [u, st]] of Object.entries(th1)) {
    const [u0, s0] = th0[k] ?? [0, 0]
    if (u - u0 + st - s0 > 0) console.log(`  ${k}: user ${(u - u0) * 10} ms, sys ${(st - s0) * 10} ms`)
  }
})
