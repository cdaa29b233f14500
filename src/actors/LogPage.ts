// One page of a service's log for GET …/logs: read backward from the newest whole line, or from a
// cursor (?before=), through the current file and its rotations, keeping the lines a LogQuery
// admits until there are enough, the oldest line is passed, or MAX_SCAN_BYTES have been read. The
// page carries the cursor of its oldest line, so the next page goes on from there, and says when
// it stopped at the bound. Read a chunk at a time with awaits between, never a whole file.
import { LogArchive, type ArchivePosition } from "./LogArchive.ts"
import { LogCursorStale } from "./LogErrors.ts"
import type { LogFilter } from "./LogQuery.ts"
import { parseLine, type LogLine } from "./OutputCapture.ts"

/** However far back a search goes, one request reads at most this much of the disk. */
export const MAX_SCAN_BYTES = 64 * 1024 * 1024
const CHUNK = 256 * 1024
const NEWLINE = 0x0a
/** A run without a newline this long is not a framed line (LineFramer cuts at 64 KiB): it is passed over. */
const MAX_FRAGMENT = 1024 * 1024

export interface PageRequest {
  /** How many lines at most. */
  readonly count: number
  /** A cursor from an earlier page's `older`: only lines before it. */
  readonly before: string | undefined
  readonly filter: LogFilter
}

export interface LogPage {
  /** Oldest first. */
  readonly lines: ReadonlyArray<LogLine>
  /** The cursor for the lines before these, or undefined when there are none to look at. */
  readonly older: string | undefined
  readonly scannedBytes: number
  /** The walk stopped at `limit` bytes, with older lines left unread (`older` goes on from there). */
  readonly limitReached: boolean
}

/** Whole lines of one file, and where the first of them starts. */
interface Block {
  readonly file: number
  readonly start: number
  readonly bytes: Buffer
}

type End = "start" | "budget"

export const readPage = async (
  log: { readonly path: string; readonly keep: number },
  request: PageRequest,
  limit = MAX_SCAN_BYTES,
): Promise<LogPage | LogCursorStale> => {
  const archive = await LogArchive.open(log.path, log.keep)
  try {
    const from = request.before === undefined ? archive.end : await archive.resolve(request.before)
    if (from instanceof LogCursorStale) return from
    return await collect(archive, from, request, limit)
  } finally {
    await archive.close()
  }
}

/** A page being filled: its lines newest first, and where the oldest line looked at starts. */
interface Filling {
  readonly newestFirst: Array<LogLine>
  at: ArchivePosition
}

type Stop = "count" | "since" | End

const collect = async (
  archive: LogArchive,
  from: ArchivePosition,
  request: PageRequest,
  limit: number,
): Promise<LogPage> => {
  const budget = { left: limit }
  const page: Filling = { newestFirst: [], at: from }
  const blocks = blocksBefore(archive, from, budget)
  let stop: Stop | "more" = request.count > 0 ? "more" : "count"
  while (stop === "more") {
    const next = await blocks.next()
    stop = next.done === true ? next.value : lookThrough(next.value, request, page)
  }
  return {
    lines: page.newestFirst.reverse(),
    older: stop === "count" || stop === "budget" ? archive.cursorBefore(page.at) : undefined,
    scannedBytes: limit - budget.left,
    limitReached: stop === "budget",
  }
}

/** Takes what `block` holds for the page, newest line first; "more" when the page wants more. */
const lookThrough = (block: Block, { count, filter }: PageRequest, page: Filling): Stop | "more" => {
  const { file, start, bytes } = block
  if (!filter.mayMatch(bytes)) {
    const stamp = stampOf(bytes)
    if (stamp !== undefined && filter.tooOld(stamp)) return "since"
    page.at = { file, offset: start }
    return "more"
  }
  for (let end = bytes.length; end > 0;) {
    const lineStart = end < 2 ? 0 : bytes.lastIndexOf(NEWLINE, end - 2) + 1
    const line = parseLine(bytes.toString("utf8", lineStart, end - 1))
    const verdict = line === undefined ? "skip" : filter.judge(line)
    if (verdict === "stop") return "since"
    if (verdict === "take" && line !== undefined) page.newestFirst.push(line)
    page.at = { file, offset: start + lineStart }
    if (page.newestFirst.length >= count) return "count"
    end = lineStart
  }
  return "more"
}

/** The capture time of the first line of `framed`, if it has one. */
const stampOf = (framed: Buffer): string | undefined => {
  const space = framed.indexOf(0x20)
  return space < 0 ? undefined : framed.toString("latin1", 0, space)
}

/**
 * The whole lines before `from`, newest block first, each block one chunk's worth; returns
 * "start" at the oldest file's first byte, "budget" when reading on would pass the budget.
 */
async function* blocksBefore(
  archive: LogArchive,
  from: ArchivePosition,
  budget: { left: number },
): AsyncGenerator<Block, End> {
  for (let file = from.file; file < archive.files.length; file++) {
    let end = file === from.file ? from.offset : (archive.files[file]?.size ?? 0)
    /** The end of a line whose start is not read yet: bytes from `end` on. */
    let fragment: Buffer = Buffer.alloc(0)
    while (end > 0) {
      if (budget.left <= 0) return "budget"
      const length = Math.min(CHUNK, end, budget.left)
      const chunk = await archive.read(file, end - length, length)
      budget.left -= length
      end -= length
      const bytes: Buffer = fragment.length === 0 ? chunk : Buffer.concat([chunk, fragment])
      // At a file's start every byte belongs to whole lines; elsewhere the first line may begin earlier.
      const newline = end === 0 ? -1 : bytes.indexOf(NEWLINE)
      if (newline < 0 && end > 0) {
        fragment = bytes.length > MAX_FRAGMENT ? Buffer.alloc(0) : bytes
        continue
      }
      const first = newline + 1
      fragment = bytes.subarray(0, first)
      if (first < bytes.length) yield { file, start: end + first, bytes: bytes.subarray(first) }
    }
  }
  return "start"
}
