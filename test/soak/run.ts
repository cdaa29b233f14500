// `npm run test:soak [killnine|storm|sse|mixed|all]` (default all, one after another, never
// together): builds the bundle, runs the named soak scenarios against it, prints their figures
// as JSON lines and exits 1 if any invariant broke. Not part of `npm test` or CI: the whole
// set takes about 1 h 20 min (SOAK_MINUTES=5 shortens the mixed load to prove the harness).
import { killnine } from "./killnine.ts"
import { mixed } from "./mixed.ts"
import { sse } from "./sse.ts"
import { storm } from "./storm.ts"
import type { Breaches } from "./support.ts"

const which = process.argv[2] ?? "all"
const scenarios: Record<string, () => Promise<Breaches>> = {
  killnine: () => killnine(),
  storm: () => storm(),
  sse: () => sse(),
  mixed: () => mixed(),
}
if (which !== "all" && !(which in scenarios)) {
  console.error(`unknown scenario "${which}"; one of: ${Object.keys(scenarios).join(", ")}, all`)
  process.exit(2)
}
const failed: Array<string> = []
for (const [name, scenario] of Object.entries(scenarios)) {
  if (which !== "all" && which !== name) continue
  const breaches = await scenario()
  if (breaches.found.length > 0) failed.push(`${name}: ${breaches.found.length} breaches`)
}
if (failed.length > 0) {
  console.error(`SOAK FAILED: ${failed.join("; ")}`)
  process.exitCode = 1
}
