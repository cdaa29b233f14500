// Which log lines a request keeps: those captured in a time range (`since`, `until`) whose text
// holds `search`, plain text in any case, colour codes ignored (the dashboard shows the text
// without them, and "INFO served" must match a coloured INFO). Never a regex from the user. Pure.
import type { LogLine } from "./OutputCapture.ts"

export interface LogQuery {
  /** ISO times as Date.toISOString writes them: captured stamps compare with them as strings. */
  readonly since?: string
  readonly until?: string
  readonly search?: string
}

/** What to do with a line met newest first: keep it, pass over it, or stop (it and all before it are too old). */
export type Verdict = "take" | "skip" | "stop"

const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b/g
const SPECIAL = /[.*+?^${}()|[\]\\]/g

/** The text as the dashboard shows it: without escape sequences (ANSI colours and the rest). */
export const plainText = (text: string): string =>
  text.includes("\u001b") ? text.replace(ESCAPES, "") : text

export class LogFilter {
  private readonly pattern: RegExp | undefined

  constructor(private readonly query: LogQuery) {
    const search = query.search ?? ""
    this.pattern = search === "" ? undefined : new RegExp(search.replace(SPECIAL, "\\$&"), "i")
  }

  /** Every line is kept: the newest ones need no filtering. */
  get keepsAll(): boolean {
    return this.pattern === undefined && this.query.since === undefined && this.query.until === undefined
  }

  judge(line: LogLine): Verdict {
    if (this.tooOld(line.ts)) return "stop"
    const until = this.query.until
    if (until !== undefined && line.ts > until) return "skip"
    if (this.pattern === undefined || this.pattern.test(plainText(line.text))) return "take"
    return "skip"
  }

  /** Captured before `since`: lines are captured in time order, so every line before it is too. */
  tooOld(ts: string): boolean {
    return this.query.since !== undefined && ts < this.query.since
  }

  /** False when no line of `framed` (whole lines) can match the search: none of them need parsing. */
  mayMatch(framed: Buffer): boolean {
    if (this.pattern === undefined) return true
    const text = framed.toString("utf8")
    return text.includes("\u001b") || this.pattern.test(text)
  }
}
