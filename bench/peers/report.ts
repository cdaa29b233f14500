// BENCHMARKS.md from one run of the side-by-side bench: the machine, what ran, the table of
// medians with Dockless's ratio to each peer, issue 10's targets met or missed, the method,
// every sample, and the one command that reproduces it.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { cpus, loadavg, release, totalmem } from "node:os"
import { nodeFlags } from "../../src/version.ts"
import { median, ROOT } from "../support.ts"
import type { Peer } from "./Peer.ts"
import type { Settings } from "./workloads.ts"

export interface CaptureResult {
  readonly mibS: number
  readonly cpuMs: number
  readonly idleRssMiB: number
  readonly peakRssMiB: number
  readonly complete: boolean
  readonly lines: number
  readonly ownLines: number
  readonly otherLines: number
}

export interface PeerResults {
  readonly peer: Peer
  readonly respawnMs: Array<number>
  readonly rssMiB: Map<number, Array<number>>
  readonly coldMs: Array<number>
  readonly cpuEarlyMs: Array<number>
  readonly cpuLateMs: Array<number>
  readonly stopMs: Array<number>
  readonly capture: Array<CaptureResult>
}

interface Latency {
  readonly rps: number
  readonly p99Ms: number
}
export interface ApiResult {
  readonly quiet: Latency
  readonly busy: Latency
  readonly logMiBs: number
}

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly ramGiB: number
  readonly kernel: string
  readonly os: string
  readonly node: string
  readonly commit: string
  readonly date: string
  readonly loadAtStart: string
}

const git = (...args: Array<string>) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim()
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")

export const machine = (): Machine => ({
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  ramGiB: totalmem() / 1024 ** 3,
  kernel: release(),
  os: /PRETTY_NAME="([^"]*)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "Linux",
  node: process.version,
  commit: `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") === "" ? "" : " (with uncommitted changes)"}`,
  date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  loadAtStart: load(),
})

interface Run {
  readonly settings: Settings
  readonly machine: Machine
  readonly results: ReadonlyArray<PeerResults>
  readonly api: ReadonlyArray<ApiResult>
  readonly seconds: number
}

/** A metric: its median per peer (undefined: not measured for that peer). */
interface Row {
  readonly label: string
  readonly of: (r: PeerResults) => ReadonlyArray<number>
  readonly digits: number
}

const med = (xs: ReadonlyArray<number>): number | undefined => (xs.length === 0 ? undefined : median(xs))
const fmt = (x: number | undefined, digits: number) => (x === undefined ? "—" : x.toFixed(digits))
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "—" : b === 0 ? (a === 0 ? "1.00" : "n/a (0)") : (a / b).toFixed(2)

const rows = (s: Settings): Array<Row> => {
  const [early, late] = s.cpuWindowStartsMs.map((ms) => ms / 1000)
  const w = s.cpuWindowMs / 1000
  const mib = s.captureBytes / 1024 ** 2
  return [
    { label: "SIGKILL → new process alive, median (ms)", of: (r) => r.respawnMs, digits: 1 },
    ...[...s.idleCounts, 200]
      .sort((a, b) => a - b)
      .map((n) => ({
        label: `daemon RSS, ${n} idle (MiB)`,
        of: (r: PeerResults) => r.rssMiB.get(n) ?? [],
        digits: 1,
      })),
    {
      label: `daemon CPU, 200 idle, ${w} s from ${early} s after all up (ms)`,
      of: (r) => r.cpuEarlyMs,
      digits: 0,
    },
    {
      label: `daemon CPU, 200 idle, ${w} s from ${late} s after all up (ms)`,
      of: (r) => r.cpuLateMs,
      digits: 0,
    },
    { label: "cold start, 200 services until all alive (ms)", of: (r) => r.coldMs, digits: 0 },
    { label: "graceful stop of 200 until all gone (ms)", of: (r) => r.stopMs, digits: 0 },
    {
      label: `${mib} MiB of 64-byte lines to the log (MiB/s)`,
      of: (r) => r.capture.map((c) => c.mibS),
      digits: 0,
    },
    { label: `daemon CPU during those ${mib} MiB (ms)`, of: (r) => r.capture.map((c) => c.cpuMs), digits: 0 },
    { label: "daemon CPU per MiB logged (ms)", of: (r) => r.capture.map((c) => c.cpuMs / mib), digits: 2 },
    { label: "daemon RSS before logging (MiB)", of: (r) => r.capture.map((c) => c.idleRssMiB), digits: 1 },
    {
      label: "daemon RSS peak while logging (MiB)",
      of: (r) => r.capture.map((c) => c.peakRssMiB),
      digits: 1,
    },
  ]
}

const table = (run: Run) => {
  const dockless = run.results.find((r) => r.peer.name === "Dockless")
  const others = run.results.filter((r) => r !== dockless)
  const ordered = [...others, ...(dockless === undefined ? [] : [dockless])]
  const head = `| metric | ${ordered.map((r) => r.peer.name).join(" | ")} | ${others.map((r) => `Dockless / ${r.peer.name}`).join(" | ")} |`
  const rule = `|---|${ordered.map(() => "---:").join("|")}|${others.map(() => "---:").join("|")}|`
  const body = rows(run.settings).map((row) => {
    const d = dockless === undefined ? undefined : med(row.of(dockless))
    const cells = ordered.map((r) => fmt(med(row.of(r)), row.digits))
    const ratios = others.map((r) => ratio(d, med(row.of(r))))
    return `| ${row.label} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`
  })
  const intact = `| every line in the log, intact | ${ordered.map((r) => (r.capture.every((c) => c.complete) ? "yes" : "**no**")).join(" | ")} | ${others.map(() => "").join(" | ")} |`
  return [head, rule, ...body, intact].join("\n")
}

const apiTable = (run: Run) => {
  const q = (f: (a: ApiResult) => number) => med(run.api.map(f))
  const added = q((a) => a.busy.p99Ms - a.quiet.p99Ms)
  return [
    "| Dockless, GET /api/services with 200 services | median |",
    "|---|---:|",
    `| requests/s | ${fmt(
      q((a) => a.quiet.rps),
      0,
    )} |`,
    `| p99 (ms) | ${fmt(
      q((a) => a.quiet.p99Ms),
      1,
    )} |`,
    `| requests/s while one service logs at full speed | ${fmt(
      q((a) => a.busy.rps),
      0,
    )} |`,
    `| p99 while one service logs at full speed (ms) | ${fmt(
      q((a) => a.busy.p99Ms),
      1,
    )} |`,
    `| p99 added by the logging (ms) | ${fmt(added, 1)} |`,
    `| that service's log, written meanwhile (MiB/s, framed) | ${fmt(
      q((a) => a.logMiBs),
      0,
    )} |`,
  ].join("\n")
}

/** Issue 10's targets, each as met or missed with the numbers of this run. */
const targets = (run: Run) => {
  const by = (name: string) => run.results.find((r) => r.peer.name === name)
  const d = by("Dockless")
  const floor = by("bare Node floor")
  const pm2 = by("PM2")
  if (d === undefined || floor === undefined || pm2 === undefined)
    return "(needs Dockless, PM2 and the floor)"
  const m = (r: PeerResults, f: (r: PeerResults) => ReadonlyArray<number>) => med(f(r)) ?? NaN
  const mibS = (r: PeerResults) => r.capture.map((c) => c.mibS)
  const cpuPerMiB = (r: PeerResults) => r.capture.map((c) => c.cpuMs)
  const growth = (r: PeerResults) => r.capture.map((c) => c.peakRssMiB - c.idleRssMiB)
  const rss = (n: number) => (r: PeerResults) => r.rssMiB.get(n) ?? []
  const counts = [...run.settings.idleCounts, 200].sort((a, b) => a - b)
  const apiMed = (f: (a: ApiResult) => number) => med(run.api.map(f)) ?? NaN
  const check = (what: string, ok: boolean, numbers: string) =>
    `| ${what} | ${ok ? "met" : "**missed**"} | ${numbers} |`
  const x = (a: number, b: number) => `${(a / b).toFixed(2)} ×`
  return [
    "| target | | this run |",
    "|---|---|---|",
    check("log MiB/s ≥ 1.0 × the floor", m(d, mibS) >= m(floor, mibS), x(m(d, mibS), m(floor, mibS))),
    check("log MiB/s ≥ 3 × PM2", m(d, mibS) >= 3 * m(pm2, mibS), x(m(d, mibS), m(pm2, mibS))),
    check(
      "daemon CPU per MiB logged ≤ 1.5 × the floor's",
      m(d, cpuPerMiB) <= 1.5 * m(floor, cpuPerMiB),
      x(m(d, cpuPerMiB), m(floor, cpuPerMiB)),
    ),
    check("peak RSS while logging ≤ idle + 20 MiB", m(d, growth) <= 20, `+${m(d, growth).toFixed(1)} MiB`),
    check(
      "every line in the log",
      d.capture.every((c) => c.complete),
      d.capture.every((c) => c.complete) ? "yes" : "no",
    ),
    check(
      "restart median ≤ 1.25 × the floor",
      m(d, (r) => r.respawnMs) <= 1.25 * m(floor, (r) => r.respawnMs),
      x(
        m(d, (r) => r.respawnMs),
        m(floor, (r) => r.respawnMs),
      ),
    ),
    check(
      "daemon RSS ≤ 0.9 × PM2's at every N",
      counts.every((n) => m(d, rss(n)) <= 0.9 * m(pm2, rss(n))),
      counts.map((n) => `${n}: ${x(m(d, rss(n)), m(pm2, rss(n)))}`).join(", "),
    ),
    check(
      "daemon RSS ≤ floor + 12 MiB at 200",
      m(d, rss(200)) <= m(floor, rss(200)) + 12,
      `floor + ${(m(d, rss(200)) - m(floor, rss(200))).toFixed(1)} MiB`,
    ),
    check("idle CPU 0 in the late window", m(d, (r) => r.cpuLateMs) === 0, `${m(d, (r) => r.cpuLateMs)} ms`),
    check(
      "idle CPU ≤ PM2's in the early window",
      m(d, (r) => r.cpuEarlyMs) <= m(pm2, (r) => r.cpuEarlyMs),
      `${m(d, (r) => r.cpuEarlyMs)} ms vs ${m(pm2, (r) => r.cpuEarlyMs)} ms`,
    ),
    check(
      "cold start of 200 ≤ 1.5 × the floor",
      m(d, (r) => r.coldMs) <= 1.5 * m(floor, (r) => r.coldMs),
      x(
        m(d, (r) => r.coldMs),
        m(floor, (r) => r.coldMs),
      ),
    ),
    check(
      "API ≥ 2,000 requests/s",
      apiMed((a) => a.quiet.rps) >= 2000,
      `${apiMed((a) => a.quiet.rps).toFixed(0)}`,
    ),
    check("API p99 ≤ 20 ms", apiMed((a) => a.quiet.p99Ms) <= 20, `${apiMed((a) => a.quiet.p99Ms)} ms`),
    check(
      "API p99 added while one service logs at full speed ≤ 10 ms",
      apiMed((a) => a.busy.p99Ms - a.quiet.p99Ms) <= 10,
      `+${apiMed((a) => a.busy.p99Ms - a.quiet.p99Ms)} ms`,
    ),
  ].join("\n")
}

const samples = (run: Run) =>
  rows(run.settings)
    .map((row) => {
      const per = run.results.map(
        (r) =>
          `${r.peer.name}: ${
            row
              .of(r)
              .map((x) => x.toFixed(row.digits))
              .join(", ") || "—"
          }`,
      )
      return `- ${row.label}: ${per.join("; ")}`
    })
    .concat(
      `- API (quiet req/s, p99 ms; logging req/s, p99 ms): ${run.api.map((a) => `${a.quiet.rps.toFixed(0)}, ${a.quiet.p99Ms}; ${a.busy.rps.toFixed(0)}, ${a.busy.p99Ms}`).join(" | ")}`,
    )
    .join("\n")

const method = (s: Settings) => {
  const [early, late] = s.cpuWindowStartsMs.map((ms) => ms / 1000)
  return `- **Interleaved**: ${s.reps} repetition(s); in each, every workload runs on every peer in turn, the peers' order rotated by one per repetition. Each peer runs alone, started afresh in its own temp dir for each workload. Figures are medians over the repetitions (the restart row: over all ${s.kills * s.reps} kills).
- **Services**: idle services are \`${"sleep 3600"}\` (the same absolute path for every peer). Every peer restarts at once: Dockless \`restart = "always"\`, \`backoff.initial = 0\`; PM2 \`autorestart\`, \`restart_delay: 0\`, \`min_uptime: 0\` (never "errored" for restarting fast); supervisord \`autorestart=true\`, \`startsecs=0\` (it has no restart delay to set; its own main loop decides); the floor respawns in its exit handler. No peer rotates logs (Dockless \`[log] max_bytes = "1TiB"\`, supervisord \`stdout_logfile_maxbytes=0\`, PM2 without pm2-logrotate).
- **How each is run**: Dockless \`node ${nodeFlags.join(" ")} dist/dockless.mjs run --config FILE\`; PM2 \`pm2 start ecosystem.config.cjs\` (fork mode, \`interpreter: "none"\`) with its own PM2_HOME, stopped by \`pm2 kill\` (what its systemd unit runs); supervisord \`supervisord -n -c supervisord.conf\` (Debian's unit), stopped by SIGTERM; the floor \`node ${nodeFlags.join(" ")} bench/peers/floor.mjs\` (spawn, respawn on exit, pipe stdout/stderr to a file; the same Node flags as Dockless), stopped by SIGTERM; Dockless too.
- **The daemon** is the process whose children the services are: Dockless's and the floor's node process, PM2's God daemon, supervisord's python process. RSS is VmRSS from /proc/PID/status; CPU is utime + stime from /proc/PID/stat (10 ms ticks).
- **Alive** means: a child of the daemon (/proc/PID/task/PID/children) whose argv (/proc/PID/cmdline) is the service's, i.e. it has exec'd; a fork not yet exec'd and a zombie do not count. Gone means no /proc entry or a zombie.
- **SIGKILL → new process**: one service; ${s.kills} times per repetition, 200 ms after the last start, the bench SIGKILLs the child by pid and reads the daemon's children in a tight loop until a new one is alive.
- **RSS with N idle**: ${s.settleMs / 1000} s after all N are alive, median of samples every 250 ms over ${s.rssWindowMs / 1000} s (200: the median over the first CPU window).
- **The 200-service run**: cold start is from spawning the peer (its CLI, for PM2) until all 200 are alive; CPU windows of ${s.cpuWindowMs / 1000} s starting ${early} s and ${late} s after all are up, nobody looking at any API; graceful stop is from the stop (signal or \`pm2 kill\` spawned) until all 200 processes are gone.
- **Log**: one service (\`bench/fixtures/gated-firehose.mjs\`) writes ${s.captureBytes / 1024 ** 2} MiB of 64-byte lines to stdout as fast as the pipe takes them, once the bench opens its FIFO gate, then idles (no restart involved). Timed from the gate's opening until the log file holds every line (polled every 5 ms; Dockless frames each as \`ISO-TIME stdout TEXT\`, 32 more bytes, so its file is 1.5 × the payload); MiB/s counts payload only. Then the whole file is read back and every line checked. Daemon CPU over the same time; RSS sampled every 20 ms.
- **API** (Dockless only; PM2 and supervisord have no comparable HTTP list): 200 idle services and the gated firehose; autocannon (its own process, ${s.apiConnections} connections, ${s.apiSeconds} s, on loopback) on \`GET /api/services\`, then again with the firehose released.
- **Clean-up**: after each workload the peer's own stop, then every pid the bench saw (daemon and children) is checked gone, SIGKILLed if not; temp dirs removed. Ctrl-C does the same by pid.`
}

export const render = (run: Run): string => {
  const s = run.settings
  const m = run.machine
  const quick = s.quick
    ? `> **Quick run** (\`npm run bench -- --peers --quick\`): ${s.reps} repetition, ${s.kills} kills, no 1000-service run, ${s.captureBytes / 1024 ** 2} MiB of log, CPU windows of ${s.cpuWindowMs / 1000} s starting ${s.cpuWindowStartsMs[0] / 1000} s and ${s.cpuWindowStartsMs[1] / 1000} s after all are up (the full run: 3 repetitions, 20 kills each, 200 MiB, 20 s windows at 5 s and 60 s). It proves the bench works; its figures are not the ones to quote.\n\n`
    : ""
  const versions = run.results.map((r) => `- ${r.peer.version}`).join("\n")
  return `# Benchmarks: Dockless beside PM2, supervisord and a bare Node floor

${quick}Written by \`npm run bench -- --peers${s.quick ? " --quick" : ""}\` on ${m.date}, in ${run.seconds.toFixed(0)} s, Dockless at commit ${m.commit}.

## Machine

${m.cpu} × ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, Linux ${m.kernel} (${m.os}), Node ${m.node}. Load average at the start: ${m.loadAtStart}; at the end: ${load()}.

## What ran

${versions}

## Results (medians)

${table(run)}

${apiTable(run)}

## Issue 10's targets

${targets(run)}

## Method

${method(s)}

## Every sample

${samples(run)}

## Reproduce

\`\`\`console
npm ci && npm run bench -- --peers
\`\`\`

\`--quick\` runs the same code with fewer repetitions and smaller volumes, in under 5 minutes. PM2 is installed from the npm registry into a temp prefix; supervisord comes from Debian (\`apt-get install supervisor\`); without it the bench says so and goes on.
`
}
