// When V8 optimizes the daemon's code, and how long it keeps bytecode nobody runs. A starting
// daemon runs its config decoding, its layers and Effect's runtime often enough for Node 20's V8
// to hand some of it to TurboFan: code that never runs again, for which the pages of the node
// binary that hold TurboFan, its zones and that code stay resident. With five times the budget a
// function must use up before TurboFan takes it, and no early optimization of small functions, an
// idle daemon never calls TurboFan (none in 90 s with one service; RSS 57.5 → 52.4 MiB), while
// what stays hot is still optimized, a little later: the service list under load 3,156–3,353 →
// 2,731–2,976 requests/s, p99 10–11 ms either way (docs/measurements.md). Node 22 and later count
// invocations instead, read only from the command line, and with Maglev (24+) the cost is not
// TurboFan's; there only the bytecode's age is set. Bytecode of functions that have not run since
// the last full collection goes at the next one (V8's default waits 5 or 6): the startup's code,
// run once, 0.4–1.1 MiB.
//
// Set as this module is evaluated, which main.ts makes the first thing the bundle does, so no
// function has a budget counted under V8's defaults. Without the early-optimization flag, ten
// times the budget alone still let TurboFan take small functions during the start.

/** Node 22's V8 (12) counts invocations, and takes that count only from the command line. */
const INVOCATION_COUNTS = 22

/** The flags for Node `major`. */
export const flagsFor = (major: number): ReadonlyArray<string> => [
  ...(major < INVOCATION_COUNTS ? ["--interrupt-budget=337920", "--max-bytecode-size-for-early-opt=0"] : []),
  "--bytecode-old-age=1",
]

if (process.argv[2] === "run") {
  // node:v8 straight from Node, not through the bundle's module helpers (scripts/build.mjs).
  const v8 = process.getBuiltinModule("node:v8")
  for (const flag of flagsFor(Number(process.versions.node.split(".")[0]))) v8.setFlagsFromString(flag)
}
