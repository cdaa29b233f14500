// Issues 10's and 21's targets for Dockless, each checked against this run's medians and written
// as met or missed with its numbers, so BENCHMARKS.md says where Dockless stands without
// arithmetic, on each Node it was run on.
import { counts, med, type ApiResult, type PeerResults, type Run } from "./Results.ts"

/** One target: what it asks, whether this run met it, and the run's numbers. */
export interface Target {
  readonly what: string
  readonly met: boolean
  readonly numbers: string
}

/** The targets as a markdown table. */
export const targetTable = (rows: ReadonlyArray<Target>) =>
  [
    "| target | | this run |",
    "|---|---|---|",
    ...rows.map((t) => `| ${t.what} | ${t.met ? "met" : "**missed**"} | ${t.numbers} |`),
  ].join("\n")

const signed = (x: number, digits: number) => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`

/** The targets, each as met or missed with the numbers of this run; empty without Dockless, PM2 and the floor. */
export const targets = (run: Run): ReadonlyArray<Target> => {
  const by = (name: string) => run.results.find((r) => r.peer.name === name)
  const d = by("Dockless")
  const floor = by("bare Node floor")
  const pm2 = by("PM2")
  if (d === undefined || floor === undefined || pm2 === undefined) return []
  const m = (r: PeerResults, f: (r: PeerResults) => ReadonlyArray<number>) => med(f(r)) ?? NaN
  const mibS = (r: PeerResults) => r.capture.map((c) => c.mibS)
  const growth = (r: PeerResults) => r.capture.map((c) => c.peakRssMiB - c.idleRssMiB)
  const rss = (n: number) => (r: PeerResults) => r.rssMiB.get(n) ?? []
  const apiMed = (f: (a: ApiResult) => number) => med(run.api.map(f)) ?? NaN
  const check = (what: string, met: boolean, numbers: string): Target => ({ what, met, numbers })
  const x = (a: number, b: number) => `${(a / b).toFixed(2)} ×`
  const ownCost = m(d, rss(1)) - (med(run.bareHttpMiB) ?? NaN)
  return [
    check(
      "Dockless's own cost (RSS with 1 service − a bare node http server's) ≤ 16 MiB",
      ownCost <= 16,
      `${ownCost.toFixed(1)} MiB (${m(d, rss(1)).toFixed(1)} − ${(med(run.bareHttpMiB) ?? NaN).toFixed(1)})`,
    ),
    // Issue 10's "log MiB/s ≥ 1.0 × the floor" and "CPU per MiB ≤ 1.5 × the floor's" compared
    // Dockless with a floor that piped output; since issue 21 the floor hands each child its log
    // file and touches no byte, so those two no longer compare like with like and are left out.
    check("log MiB/s ≥ 3 × PM2", m(d, mibS) >= 3 * m(pm2, mibS), x(m(d, mibS), m(pm2, mibS))),
    check("peak RSS while logging ≤ idle + 20 MiB", m(d, growth) <= 20, `${signed(m(d, growth), 1)} MiB`),
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
      counts(run.settings).every((n) => m(d, rss(n)) <= 0.9 * m(pm2, rss(n))),
      counts(run.settings)
        .map((n) => `${n}: ${x(m(d, rss(n)), m(pm2, rss(n)))}`)
        .join(", "),
    ),
    ...counts(run.settings)
      .filter((n) => n === 1000)
      .map((n) =>
        check(
          `daemon RSS ≤ floor + 40 MiB at ${n}`,
          m(d, rss(n)) <= m(floor, rss(n)) + 40,
          `floor + ${(m(d, rss(n)) - m(floor, rss(n))).toFixed(1)} MiB`,
        ),
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
      `${signed(
        apiMed((a) => a.busy.p99Ms - a.quiet.p99Ms),
        0,
      )} ms`,
    ),
  ]
}
