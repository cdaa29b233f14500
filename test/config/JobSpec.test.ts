// The job keys of a service table as tables: which schedules parse (through croner, the cron
// parser Dockless uses) and which are refused with a sentence at their key path, including the
// forms process-compose could not parse (`0/10`, its issue #480); what `overlap` and a schedule
// on a long-running service say; and the next firing times, computed in the host's timezone.
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { loadCronFor, wantsCron } from "../../src/config/CronLibrary.ts"
import { latestMissed, nextFiring, parseSchedule, scheduleOf } from "../../src/config/JobSpec.ts"
import { decodeServiceSpec, defaultLog } from "../../src/config/ServiceSpec.ts"

const issues = (raw: Record<string, unknown>) => {
  const decoded = decodeServiceSpec(raw, {
    name: "job",
    baseDir: "/",
    defaults: {},
    log: defaultLog,
    pathPrefix: "services.job",
  })
  return Either.isLeft(decoded) ? decoded.left.map((i) => `${i.path}: ${i.message}`) : []
}

beforeAll(() => Effect.runPromise(loadCronFor({ schedule: "* * * * *" })))

describe("schedule forms", () => {
  it.each([
    ["*/10 * * * *"],
    ["0/10 * * * *"], // process-compose #480
    ["5/15 * * * *"],
    ["0 9 * * MON-FRI"],
    ["0 4 * * sun"],
    ["30 2 1 * *"],
    ["0 0 L * *"],
    ["0 */6 * * *"],
    ["@hourly"],
    ["@daily"],
    ["*/5 * * * * *"], // six fields: seconds first
    ["every 10m"],
    ["every 2s"],
    ["EVERY 1h"],
    ["every 1.5h"],
  ])("parses %s", (text) => {
    expect(typeof parseSchedule(text)).toBe("object")
  })

  it.each([
    [
      "61 * * * *",
      /^expected "every DURATION" .*; "61 \* \* \* \*" is not valid: Invalid value for minute: 61$/,
    ],
    ["bogus", /"bogus" is not valid: invalid configuration format/],
    ["* * *", /exactly five, six, or seven space separated parts/],
    ["0 0 30 2 *", /^"0 0 30 2 \*" never matches a date \(like February 30th\)$/],
    ["every 10 minutes", /^expected "every" and a duration like "30s", "10m" or "1h", got "10 minutes"$/],
    ["every 500ms", /^an interval must be at least 1s, got "500ms"$/],
    ["1 2 3 4 5 6 7", /not valid/], // a year field is not taken (5 or 6 fields)
  ])("refuses %s with a sentence", (text, sentence) => {
    const result = parseSchedule(text)
    expect(typeof result).toBe("string")
    expect(result).toMatch(sentence)
  })
})

describe("the job keys through decodeServiceSpec", () => {
  it("takes a scheduled oneshot and fills in the defaults", () => {
    const decoded = decodeServiceSpec(
      { command: "/bin/true", type: "oneshot", schedule: "0/10 * * * *" },
      { name: "job", baseDir: "/", defaults: {}, log: defaultLog, pathPrefix: "" },
    )
    expect(Either.isRight(decoded) && decoded.right).toMatchObject({
      type: "oneshot",
      schedule: "0/10 * * * *",
      overlap: "skip",
      catch_up: false,
    })
  })

  it.each([
    [
      "a bad cron expression",
      { command: "x", type: "oneshot", schedule: "61 * * * *" },
      'services.job.schedule: expected "every DURATION" (like "every 10m") or a cron expression of 5 fields (minute hour day-of-month month day-of-week, like "*/10 * * * *") or 6 with seconds first; "61 * * * *" is not valid: Invalid value for minute: 61',
    ],
    [
      "a schedule that is not a string",
      { command: "x", type: "oneshot", schedule: 10 },
      'services.job.schedule: expected "every DURATION" (like "every 10m") or a cron expression of 5 fields (minute hour day-of-month month day-of-week, like "*/10 * * * *") or 6 with seconds first, got 10',
    ],
    [
      "an unknown overlap",
      { command: "x", type: "oneshot", schedule: "every 1m", overlap: "wait" },
      'services.job.overlap: expected "skip" | "queue" | "kill", got "wait"',
    ],
    [
      "an unknown type",
      { command: "x", type: "one-shot" },
      'services.job.type: expected "service" | "oneshot", got "one-shot" (did you mean "oneshot"?)',
    ],
    [
      "catch_up that is not a flag",
      { command: "x", type: "oneshot", schedule: "every 1m", catch_up: "yes" },
      'services.job.catch_up: expected true or false, got "yes"',
    ],
    [
      "a schedule on a long-running service",
      { command: "x", schedule: "every 1m" },
      'services.job.schedule: needs type = "oneshot": a scheduled run must end before the next one (a long-running service would skip every firing)',
    ],
  ])("refuses %s", (_, raw, message) => {
    expect(issues(raw)).toEqual([message])
  })
})

describe("next firings (host timezone)", () => {
  // Local times, so the table reads the same whatever TZ the host has.
  const local = (y: number, mo: number, d: number, h: number, mi: number, s = 0) =>
    new Date(y, mo - 1, d, h, mi, s).getTime()

  it.each([
    ["*/10 * * * *", local(2026, 1, 1, 0, 0), local(2026, 1, 1, 0, 10)],
    ["*/10 * * * *", local(2026, 1, 1, 0, 10), local(2026, 1, 1, 0, 20)], // strictly after
    ["0/10 * * * *", local(2026, 1, 1, 0, 9, 59), local(2026, 1, 1, 0, 10)],
    ["0 9 * * MON-FRI", local(2026, 1, 2, 10, 0), local(2026, 1, 5, 9, 0)], // Friday 10:00 → Monday
    ["@daily", local(2026, 3, 1, 12, 0), local(2026, 3, 2, 0, 0)],
    ["every 10m", local(2026, 1, 1, 0, 3), local(2026, 1, 1, 0, 13)],
  ])("%s after %d fires at %d", (text, after, expected) => {
    expect(nextFiring(scheduleOf(text), after)).toBe(expected)
  })

  it("finds the most recent missed firing, not the first", () => {
    const due = local(2026, 1, 1, 0, 10)
    expect(latestMissed(scheduleOf("*/10 * * * *"), due, local(2026, 1, 1, 1, 5))).toBe(
      local(2026, 1, 1, 1, 0),
    )
    expect(latestMissed(scheduleOf("every 10m"), due, local(2026, 1, 1, 1, 5))).toBe(local(2026, 1, 1, 1, 0))
  })
})

describe("loading croner lazily", () => {
  it.each([
    [{ services: { a: { command: "x" } } }, false],
    [{ services: { a: { command: "x", schedule: "every 5m" } } }, false],
    [{ services: { a: { command: "x", schedule: "*/5 * * * *" } } }, true],
    [[{ name: "a", schedule: "@hourly" }], true],
  ])("%j needs the cron parser: %s", (raw, expected) => {
    expect(wantsCron(raw)).toBe(expected)
  })
})
