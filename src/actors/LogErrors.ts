// What can go wrong reading a service's log back from disk, each with a sentence a person can act
// on. HttpErrors.ts maps them to statuses: a stale cursor is the client's (400), a service with no
// log file has nothing to download (404), a file the disk will not read is the host's (503).
import { Data } from "effect"

/** A well-formed cursor that no longer names the start of a line of the service's log. */
export class LogCursorStale extends Data.TaggedError("LogCursorStale")<{
  readonly cursor: string
  readonly why: string
}> {
  override get message(): string {
    return `the cursor ${this.cursor} ${this.why}; load the newest lines again and page back from there`
  }
}

/** Logging to disk is off for the service: the lines in memory are all there is. */
export class LogNotKept extends Data.TaggedError("LogNotKept")<{ readonly name: string }> {
  override get message(): string {
    return (
      `${this.name} keeps no log file (its [log] has enabled = false); ` +
      `GET /api/services/${this.name}/logs has the lines kept in memory`
    )
  }
}

/** A log file that exists but cannot be read (permissions, a failing disk). */
export class LogUnreadable extends Data.TaggedError("LogUnreadable")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot read ${this.path}: ${this.reason}; check the file's owner and mode, and the disk`
  }
}
