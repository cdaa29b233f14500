// The cron parser (croner), loaded only when a config or an API body has a `schedule` that is a
// cron expression: a daemon without jobs never pays for it (issue 19 point 4 budgets 2 MiB of
// RSS for 200 idle services). Decoding is synchronous, so whoever decodes a service table first
// awaits `loadCronFor(raw)`; after that the module is held here for the life of the process, as
// server.ts holds the lazily imported HTTP app.
import { Effect } from "effect"
import type { Cron } from "croner"

type CronClass = typeof Cron

let loaded: CronClass | undefined

/** `0/10` is how Vixie cron and Quartz write "from 0, every 10": croner refuses it unless sloppy. */
export const cronOptions = { paused: true, sloppyRanges: true, mode: "5-or-6-parts" } as const

/** Whether `raw` (a config table, an API body, a list of them) has a schedule that is not "every …". */
export const wantsCron = (raw: unknown, depth = 0): boolean => {
  if (depth > 4 || typeof raw !== "object" || raw === null) return false
  if (Array.isArray(raw)) return raw.some((item) => wantsCron(item, depth + 1))
  for (const [key, value] of Object.entries(raw)) {
    if (key === "schedule" && typeof value === "string" && !/^\s*every\s/i.test(value)) return true
    if (typeof value === "object" && wantsCron(value, depth + 1)) return true
  }
  return false
}

/** Loads croner if `raw` needs it; afterwards `cronClass()` answers synchronously. */
export const loadCronFor = (raw: unknown): Effect.Effect<void> =>
  loaded !== undefined || !wantsCron(raw)
    ? Effect.void
    : Effect.promise(() => import("croner")).pipe(
        Effect.map((module) => {
          loaded = module.Cron
        }),
      )

/** The loaded class, or undefined when nothing asked for it yet. */
export const cronClass = (): CronClass | undefined => loaded
