// A Dockless `schedule` as a CronJob's: a cron expression of 5 fields goes as it is; one of 6
// fields (seconds first) only when its seconds are 0; "every DURATION" only when the interval is
// a whole number of minutes or hours that divides the hour or the day, since a CronJob fires on
// the clock (minute resolution) while Dockless counts the interval from its own start.
// Pure: the schedule text in, the cron expression or the sentence saying why not.
import { parseDuration } from "../config/Duration.ts"

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export type CronOf =
  | { readonly _tag: "Cron"; readonly expression: string; readonly converted: boolean }
  | { readonly _tag: "Refused"; readonly reason: string }

const refused = (reason: string): CronOf => ({ _tag: "Refused", reason })
const converted = (expression: string): CronOf => ({ _tag: "Cron", expression, converted: true })

const everyAsCron = (text: string, ms: number): CronOf => {
  const why =
    `"${text}" has no cron expression: a CronJob fires on the clock, at whole minutes, so only ` +
    `an interval of whole minutes dividing an hour (1m, 2m, 5m, 10m, 15m, 30m…), whole hours ` +
    `dividing a day (1h, 2h, 3h, 4h, 6h, 8h, 12h) or 24h converts; write a cron expression instead`
  if (ms % MINUTE !== 0) return refused(why)
  if (ms < HOUR) {
    const minutes = ms / MINUTE
    if (HOUR % ms !== 0) return refused(why)
    return converted(minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`)
  }
  if (ms % HOUR !== 0) return refused(why)
  if (ms === DAY) return converted("0 0 * * *")
  if (ms > DAY || DAY % ms !== 0) return refused(why)
  const hours = ms / HOUR
  return converted(hours === 1 ? "0 * * * *" : `0 */${hours} * * *`)
}

/** The CronJob schedule for a (valid) Dockless schedule. */
export const cronOf = (schedule: string): CronOf => {
  const every = /^\s*every\s+(.+?)\s*$/i.exec(schedule)
  if (every?.[1] !== undefined) {
    const ms = parseDuration(every[1])
    return ms === undefined ? refused(`"${schedule}" is not a schedule`) : everyAsCron(schedule.trim(), ms)
  }
  const fields = schedule.trim().split(/\s+/)
  if (fields.length === 5) return { _tag: "Cron", expression: fields.join(" "), converted: false }
  if (fields.length === 6 && fields[0] === "0") return converted(fields.slice(1).join(" "))
  return refused(
    `"${schedule.trim()}" fires on seconds, and a CronJob has minute resolution: ` +
      `write it with 5 fields (minute hour day-of-month month day-of-week)`,
  )
}
