// `npm run bench [respawn|idle|capture|boot|monitor|storm|shutdown|all]`: builds nothing itself (run
// `npm run build` first, `npm run bench` does), runs the named benchmarks one after another and prints JSON results.
import { boot } from "./boot.ts"
import { capture } from "./capture.ts"
import { idle } from "./idle.ts"
import { monitor } from "./monitor.ts"
import { respawn } from "./respawn.ts"
import { shutdown } from "./shutdown.ts"
import { storm } from "./storm.ts"

const which = process.argv[2] ?? "all"
const benches: Record<string, () => Promise<unknown>> = {
  respawn: () => respawn(20),
  idle: () => idle(200, 10),
  capture: () => capture(200_000_000, 5),
  boot: () => boot([1, 50, 200], 5),
  monitor: () => monitor(500, 60),
  storm: () => storm(100, Number(process.env["STORM_SECONDS"] ?? 300)),
  shutdown: () => shutdown(100, 100, 3),
}
for (const [name, bench] of Object.entries(benches)) {
  if (which !== "all" && which !== name) continue
  console.log(JSON.stringify({ bench: name, ...((await bench()) as object) }))
}
