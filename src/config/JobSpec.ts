// What makes a service a job: `type = "oneshot"` (it runs to completion, and exit code 0 is a
// success, not a crash), `schedule` ("every 10m" or a cron expression, in the host's timezone),
// `overlap` (what a firing does while the previous run still goes) and `catch_up` (run once at
// boot for the most recent time missed while Dockless was down). Like systemd's Type=oneshot
// and OnCalendar= timers, folded into one table.
import * as Schema from "effect/Schema"
import { cronClass, cronOptions } from "./CronLibrary.ts"
import { parseDuration } from "./Duration.ts"
import { expecting } from "./Decoding.ts"
import { oneOf } from "./Values.ts"

export const jobTypes = ["service", "oneshot"] as const
export type JobType = (typeof jobTypes)[number]
export const overlaps = ["skip", "queue", "kill"] as const
export type Overlap = (typeof overlaps)[number]

export const defaultJobType: JobType = "service"
export const defaultOverlap: Overlap = "skip"

/** An interval schedule fires at most this often: a tighter loop is a service, not a job. */
export const MIN_EVERY_MS = 1_000

/** A schedule as the scheduler reads it. */
export type Schedule =
  { readonly _tag: "Every"; readonly ms: number } | { readonly _tag: "Cron"; readonly expression: string }

const everyRegex = /^\s*every\s+(.+?)\s*$/i

const scheduleExpectation =
  `"every DURATION" (like "every 10m") or a cron expression of 5 fields ` +
  `(minute hour day-of-month month day-of-week, like "*/10 * * * *") or 6 with seconds first`

/** The schedule, or the sentence saying what is wrong with it. */
export const parseSchedule = (text: string): Schedule | string => {
  const every = everyRegex.exec(text)
  if (every?.[1] !== undefined) {
    const ms = parseDuration(every[1])
    if (ms === undefined)
      return `expected "every" and a duration like "30s", "10m" or "1h", got "${every[1]}"`
    if (ms < MIN_EVERY_MS) return `an interval must be at least 1s, got "${every[1]}"`
    return { _tag: "Every", ms }
  }
  const Cron = cronClass()
  // Decoders run after loadCronFor (CronLibrary.ts): a missing library here is a bug upstream.
  if (Cron === undefined) return "cannot be checked: the cron parser was not loaded (a bug in Dockless)"
  const expression = text.trim()
  try {
    const cron = new Cron(expression, cronOptions)
    if (cron.nextRun() === null) return `"${expression}" never matches a date (like February 30th)`
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : String(error)
    return `expected ${scheduleExpectation}; "${expression}" is not valid: ${reason}`
  }
  return { _tag: "Cron", expression }
}

const parsed = new Map<string, Schedule>()

/** The schedule of a decoded spec (already valid), parsed once per text. */
export const scheduleOf = (text: string): Schedule => {
  const known = parsed.get(text)
  if (known !== undefined) return known
  const schedule = parseSchedule(text)
  // A spec is decoded before it is used, so its schedule is known to parse.
  if (typeof schedule === "string") throw new Error(`schedule "${text}": ${schedule}`)
  parsed.set(text, schedule)
  return schedule
}

/**
 * The time of the first firing strictly after `after` (ms since the epoch), or undefined when
 * a cron expression matches no later date. Cron fields are read in the host's timezone.
 */
export const nextFiring = (schedule: Schedule, after: number): number | undefined => {
  if (schedule._tag === "Every") return after + schedule.ms
  const Cron = cronClass()
  if (Cron === undefined) throw new Error("the cron parser was not loaded before a cron schedule ran")
  return new Cron(schedule.expression, cronOptions).nextRun(new Date(after))?.getTime()
}

/**
 * The most recent firing at or before `now` of a schedule that was due at `due` (≤ now): for
 * catch_up, which runs once for the latest time missed, not once per missed time.
 */
export const latestMissed = (schedule: Schedule, due: number, now: number): number => {
  if (schedule._tag === "Every") return due + Math.floor((now - due) / schedule.ms) * schedule.ms
  const Cron = cronClass()
  if (Cron === undefined) throw new Error("the cron parser was not loaded before a cron schedule ran")
  const previous = new Cron(schedule.expression, cronOptions).previousRuns(1, new Date(now + 1))[0]
  const at = previous?.getTime()
  return at === undefined || at < due ? due : at
}

export const JobTypeValue = oneOf(...jobTypes)
export const OverlapValue = oneOf(...overlaps)

/** A schedule string: checked here, so a bad one is refused with its key path at decode. */
export const ScheduleValue = Schema.String.annotations(expecting(scheduleExpectation)).pipe(
  Schema.filter((text) => {
    const schedule = parseSchedule(text)
    return typeof schedule === "string" ? schedule : true
  }),
)
