// Watching a real daemon's views over time: every `everyMs`, one GET /api/services (so the views
// of a row are of the same moment; two requests could straddle a change), until `stop()`. Tests
// assert on what was seen meanwhile (never shown running, no pid while its dependency starts).
// Samplers a test leaves running are stopped after it.
import { afterEach } from "vitest"
import type { Daemon } from "./daemon.ts"

export interface Seen {
  readonly name: string
  readonly state: string
  readonly pid: number | null
  readonly status: string | null
  readonly restarts: number
}

export const useSampling = () => {
  let running: Array<{ stop: () => Promise<void> }> = []
  afterEach(async () => {
    await Promise.all(running.map((s) => s.stop()))
    running = []
  })
  return (d: Daemon, names: ReadonlyArray<string>, everyMs = 50) => {
    const samples: Array<Record<string, Seen | undefined>> = []
    let on = true
    const loop = (async () => {
      while (on) {
        const list = await d.json<ReadonlyArray<Seen>>("GET", "/api/services").catch(() => [])
        samples.push(Object.fromEntries(names.map((name) => [name, list.find((v) => v.name === name)])))
        await new Promise((r) => setTimeout(r, everyMs))
      }
    })()
    const sampler = {
      samples,
      /** The views of one service, in order, in the samples that had it. */
      of: (name: string): Array<Seen> => samples.flatMap((row) => row[name] ?? []),
      stop: async () => {
        on = false
        await loop
      },
    }
    running.push(sampler)
    return sampler
  }
}
