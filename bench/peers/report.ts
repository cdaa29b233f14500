// One run of the side-by-side bench on one Node, as markdown: the machine, what ran, the table
// of medians with Dockless's ratio to each peer, the targets met or missed, the method and every
// sample. bench/peers/gather.ts puts each Node's run into BENCHMARKS.md.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { cpus, loadavg, release, totalmem } from "node:os"
import { nodeFlags, plainNodeFlags } from "../../src/version.ts"
import { ROOT } from "../support.ts"
import { counts, med, type ApiResult, type Machine, type PeerResults, type Run } from "./Results.ts"
import { targets, targetTable } from "./targets.ts"
import type { Settings } from "./workloads.ts"

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
  loadAverage: loadavg()[0] ?? 0,
})

/** A metric: its median per peer (undefined: not measured for that peer). */
interface Row {
  readonly label: string
  readonly of: (r: PeerResults) => ReadonlyArray<number>
  readonly digits: number
}

const fmt = (x: number | undefined, digits: number) => (x === undefined ? "—" : x.toFixed(digits))
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "—" : b === 0 ? (a === 0 ? "1.00" : "n/a (0)") : (a / b).toFixed(2)

const rows = (s: Settings): Array<Row> => {
  const [early, late] = s.cpuWindowStartsMs.map((ms) => ms / 1000)
  const w = s.cpuWindowMs / 1000
  const mib = s.captureBytes / 1024 ** 2
  return [
    { label: "SIGKILL → new process alive, median (ms)", of: (r) => r.respawnMs, digits: 1 },
    ...counts(s).map((n) => ({
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
      `- bare node http server (MiB): ${run.bareHttpMiB.map((x) => x.toFixed(1)).join(" ")}`,
      `- API (quiet req/s, p99 ms; logging req/s, p99 ms): ${run.api.map((a) => `${a.quiet.rps.toFixed(0)}, ${a.quiet.p99Ms}; ${a.busy.rps.toFixed(0)}, ${a.busy.p99Ms}`).join(" | ")}`,
    )
    .join("\n")

const method = (s: Settings) => {
  const [early, late] = s.cpuWindowStartsMs.map((ms) => ms / 1000)
  return `- **Interleaved**: ${s.reps} repetition(s); in each, every workload runs on every peer in turn, the peers' order rotated by one per repetition. Each peer runs alone, started afresh in its own temp dir for each workload. Figures are medians over the repetitions (the restart row: over all ${s.kills * s.reps} kills).
- **Services**: idle services are \`${"sleep 3600"}\` (the same absolute path for every peer). Every peer restarts at once: Dockless \`restart = "always"\`, \`backoff.initial = 0\`; PM2 \`autorestart\`, \`restart_delay: 0\`, \`min_uptime: 0\` (never "errored" for restarting fast); supervisord \`autorestart=true\`, \`startsecs=0\` (it has no restart delay to set; its own main loop decides); the floor respawns in its exit handler. **Own cost**: Dockless's RSS with 1 service minus that of a bare \`node\` http server (\`http.createServer().listen()\`, the same Node and flags as the floor) measured in the same repetition. No peer rotates logs (Dockless \`[log] max_bytes = "1TiB"\`, supervisord \`stdout_logfile_maxbytes=0\`, PM2 without pm2-logrotate).
- **How each is run**: Dockless \`node ${nodeFlags.join(" ")} dist/dockless.mjs run --config FILE\`; PM2 \`pm2 start ecosystem.config.cjs\` (fork mode, \`interpreter: "none"\`) with its own PM2_HOME, stopped by \`pm2 kill\` (what its systemd unit runs); supervisord \`supervisord -n -c supervisord.conf\` (Debian's unit), stopped by SIGTERM; the floor \`node ${plainNodeFlags.join(" ")} bench/peers/floor.mjs\` (an ordinary respawner: spawn with the service's log file, opened once, as stdout and stderr, respawn on exit; Dockless's Node flags but the two only its heap governor makes good, so the floor keeps V8's memory reducer), stopped by SIGTERM; Dockless too.
- **The daemon** is the process whose children the services are: Dockless's and the floor's node process, PM2's God daemon, supervisord's python process. RSS is VmRSS from /proc/PID/status; CPU is utime + stime from /proc/PID/stat (10 ms ticks).
- **Alive** means: a child of the daemon (/proc/PID/task/PID/children) whose argv (/proc/PID/cmdline) is the service's, i.e. it has exec'd; a fork not yet exec'd and a zombie do not count. Gone means no /proc entry or a zombie.
- **SIGKILL → new process**: one service; ${s.kills} times per repetition, 200 ms after the last start, the bench SIGKILLs the child by pid and reads the daemon's children in a tight loop until a new one is alive.
- **RSS with N idle**: ${s.settleMs / 1000} s after all N are alive, median of samples every 250 ms over ${s.rssWindowMs / 1000} s (200: the median over the first CPU window).
- **The 200-service run**: cold start is from spawning the peer (its CLI, for PM2) until all 200 are alive; CPU windows of ${s.cpuWindowMs / 1000} s starting ${early} s and ${late} s after all are up, nobody looking at any API; graceful stop is from the stop (signal or \`pm2 kill\` spawned) until all 200 processes are gone.
- **Log**: one service (\`bench/fixtures/gated-firehose.mjs\`) writes ${s.captureBytes / 1024 ** 2} MiB of 64-byte lines to stdout as fast as the pipe takes them, once the bench opens its FIFO gate, then idles (no restart involved). Timed from the gate's opening until the log file holds every line (polled every 5 ms; Dockless frames each as \`ISO-TIME stdout TEXT\`, 32 more bytes, so its file is 1.5 × the payload); MiB/s counts payload only. Then the whole file is read back and every line checked (Dockless's own \`dockless started (pid N)\` line, written before the gate opens, is not payload and not counted). Daemon CPU over the same time; RSS sampled every 20 ms.
- **API** (Dockless only; PM2 and supervisord have no comparable HTTP list): 200 idle services and the gated firehose; autocannon (its own process, ${s.apiConnections} connections, ${s.apiSeconds} s, on loopback) on \`GET /api/services\`, then again with the firehose released.
- **Clean-up**: after each workload the peer's own stop, then every pid the bench saw (daemon and children) is checked gone, SIGKILLed if not; temp dirs removed. Ctrl-C does the same by pid.`
}

export const render = (run: Run): string => {
  const s = run.settings
  const m = run.machine
  const quick = s.quick
    ? `> **Quick run** (\`npm run bench -- --peers --quick\`): ${s.reps} repetition, ${s.kills} kills, idle runs of ${counts(s).join(" / ")} services, ${s.captureBytes / 1024 ** 2} MiB of log, CPU windows of ${s.cpuWindowMs / 1000} s starting ${s.cpuWindowStartsMs[0] / 1000} s and ${s.cpuWindowStartsMs[1] / 1000} s after all are up (the full run: 3 repetitions, 20 kills each, 1 / 50 / 200 / 1000 services, 200 MiB, 20 s windows at 5 s and 60 s). It proves the bench works; its figures are not the ones to quote.\n\n`
    : ""
  // Other work on the machine moves every figure; say so where the reader starts.
  const busy =
    m.loadAverage > m.cores / 2
      ? `> **Busy machine**: load average ${m.loadAverage.toFixed(2)} on ${m.cores} cores at the start. Other work shared the CPUs, so the timings are inflated and noisy; run again on an idle machine before quoting them.\n\n`
      : ""
  const versions = run.results.map((r) => `- ${r.peer.version}`).join("\n")
  return `# Node ${m.node}

${quick}${busy}Written by \`npm run bench -- --peers${s.quick ? " --quick" : s.reps === 3 ? "" : " --reps " + s.reps} --node PATH\` with Node ${m.node} on ${m.date}, in ${run.seconds.toFixed(0)} s, Dockless at commit ${m.commit}.

## Machine

${m.cpu} × ${m.cores} cores, ${m.ramGiB.toFixed(1)} GiB RAM, Linux ${m.kernel} (${m.os}), Node ${m.node}. Load average at the start: ${m.loadAtStart}; at the end: ${load()}.

## What ran

${versions}

## Results (medians)

${table(run)}

${apiTable(run)}

## Targets

${targetTable(targets(run))}

## Method

${method(s)}

## Every sample

${samples(run)}
`
}
