// `npm run bench [respawn|idle|capture|boot|monitor|storm|shutdown|all]`: builds nothing itself (run
// `npm run build` first, `npm run bench` does), runs the named benchmarks one after another and prints JSON results.
// `npm run bench -- --peers [--quick]`: Dockless beside PM2, supervisord and a bare Node floor
// (bench/peers/), written to bench/results/node-MAJOR.md and gathered into BENCHMARKS.md.
// `--reps N` sets the repetitions of a peers run. `--node PATH` runs any of them on another Node binary (every peer's daemon is started with
// the Node that runs the bench), e.g. one from scripts/node-runtime.sh.
import { spawnSync } from "node:child_process"
import { boot } from "./boot.ts"
import { capture } from "./capture.ts"
import { idle } from "./idle.ts"
import { monitor } from "./monitor.ts"
import { peersBench } from "./peers/runner.ts"
import { respawn } from "./respawn.ts"
import { shutdown } from "./shutdown.ts"
import { storm } from "./storm.ts"

const args = process.argv.slice(2)
const nodeAt = args.indexOf("--node")
if (nodeAt >= 0) {
  const node = args[nodeAt + 1]
  if (node === undefined) throw new Error("--node needs the path of a node binary")
  const rest = args.filter((_, i) => i !== nodeAt && i !== nodeAt + 1)
  const run = spawnSync(node, ["--import", "tsx", import.meta.filename, ...rest], { stdio: "inherit" })
  process.exit(run.status ?? 1)
}
const benches: Record<string, () => Promise<unknown>> = {
  respawn: () => respawn(20),
  idle: () => idle(200, 10),
  capture: () =>
    capture({
      bytes: Number(process.env["CAPTURE_MIB"] ?? 200) * 1024 * 1024,
      reps: Number(process.env["CAPTURE_REPS"] ?? 5),
      kills: 20,
      pm2: args.includes("--pm2"),
      before: process.env["CAPTURE_BEFORE"],
    }),
  boot: () => boot([1, 50, 200], 5),
  monitor: () => monitor(500, 60),
  storm: () =>
    storm(100, Number(process.env["STORM_SECONDS"] ?? 300), Number(process.env["STORM_SAMPLE_MS"] ?? 5000)),
  shutdown: () => shutdown(100, 100, 3),
}
const repsAt = args.indexOf("--reps")
if (args.includes("--peers"))
  await peersBench(args.includes("--quick"), repsAt >= 0 ? Number(args[repsAt + 1]) : undefined)
else {
  const which = args[0] ?? "all"
  for (const [name, bench] of Object.entries(benches)) {
    if (which !== "all" && which !== name) continue
    console.log(JSON.stringify({ bench: name, ...((await bench()) as object) }))
  }
}
