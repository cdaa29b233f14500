// The last few minutes of one service's usage for the dashboard's sparkline: a fixed ring of
// typed arrays (about 3 KiB per service, no object per point), oldest points overwritten.
// Points older than the window are left out when read, so a gap in sampling shows as a gap.

export interface UsagePoint {
  readonly at: string
  readonly cpu_percent: number | null
  readonly rss_bytes: number
}

export const HISTORY_WINDOW_MS = 5 * 60 * 1000

export class UsageHistory {
  private readonly at: Float64Array
  private readonly cpu: Float32Array
  private readonly rss: Float64Array
  private next = 0
  private size = 0

  constructor(readonly capacity: number) {
    this.at = new Float64Array(capacity)
    this.cpu = new Float32Array(capacity)
    this.rss = new Float64Array(capacity)
  }

  add(at: number, cpuPercent: number | null, rssBytes: number): void {
    this.at[this.next] = at
    this.cpu[this.next] = cpuPercent ?? Number.NaN
    this.rss[this.next] = rssBytes
    this.next = (this.next + 1) % this.capacity
    this.size = Math.min(this.size + 1, this.capacity)
  }

  /** Points within the window before `now`, oldest first. */
  read(now: number, windowMs = HISTORY_WINDOW_MS): Array<UsagePoint> {
    const out: Array<UsagePoint> = []
    for (let i = 0; i < this.size; i++) {
      const k = (this.next - this.size + i + this.capacity) % this.capacity
      const at = this.at[k] ?? 0
      if (at < now - windowMs) continue
      const cpu = this.cpu[k] ?? Number.NaN
      out.push({
        at: new Date(at).toISOString(),
        cpu_percent: Number.isNaN(cpu) ? null : Math.round(cpu * 10) / 10,
        rss_bytes: this.rss[k] ?? 0,
      })
    }
    return out
  }
}
