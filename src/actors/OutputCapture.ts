// A service's captured output: frames stdout/stderr bytes into `ISO-TIME STREAM TEXT` lines,
// appends them to the rotated log file, keeps the newest ones in a bounded ring for the API and
// hands them to live subscribers. Framing works on Buffers, one timestamp per chunk, so
// capture keeps up with a chatty child; lines are only decoded to strings when someone reads.
// A log that cannot be written never stops the service: its lines still reach the ring and
// subscribers, and `logError` says why the file misses them until the disk recovers.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs"
import type { Readable } from "node:stream"
import { HIGH_WATER, LogFile } from "./LogFile.ts"
import { LogRing } from "./LogRing.ts"

export type LogStream = "stdout" | "stderr" | "dockless"

export interface LogLine {
  readonly ts: string
  readonly stream: LogStream
  readonly text: string
}

export interface CaptureOptions {
  /** undefined when logging to disk is disabled for the service: the ring and subscribers still work. */
  readonly file: { readonly path: string; readonly maxBytes: number; readonly keep: number } | undefined
  readonly ringBytes?: number
}

const NEWLINE = 0x0a
/** A line longer than this is cut into pieces, so one endless line cannot grow memory. */
const MAX_LINE = 64 * 1024
/** Per service: 200 chatty services cost at most 12.5 MiB; quiet ones cost nothing. */
const DEFAULT_RING = 64 * 1024

type Subscriber = (framed: Buffer) => void
type LogErrorListener = (error: string | null) => void

export class OutputCapture {
  private readonly file: LogFile | undefined
  private readonly sources = new Set<Readable>()
  private readonly subscribers = new Set<Subscriber>()
  private readonly logErrorListeners = new Set<LogErrorListener>()
  private readonly ring: LogRing
  private readonly ringLimit: number

  constructor(options: CaptureOptions) {
    this.ringLimit = options.ringBytes ?? DEFAULT_RING
    this.ring = new LogRing(this.ringLimit)
    if (options.file !== undefined) this.primeFrom(options.file.path)
    this.file =
      options.file === undefined
        ? undefined
        : new LogFile({
            ...options.file,
            onDrain: () => this.sources.forEach((s) => s.resume()),
            onError: (error) => this.logErrorListeners.forEach((listener) => listener(error)),
          })
  }

  /** Why the log file cannot be written now ("cannot write …: no space left on device (ENOSPC)"), or null. */
  get logError(): string | null {
    return this.file?.error ?? null
  }

  /** Calls `listener` each time `logError` changes: once when the log fails, once when it recovers. */
  onLogError(listener: LogErrorListener): () => void {
    this.logErrorListeners.add(listener)
    return () => this.logErrorListeners.delete(listener)
  }

  /**
   * Captures one pipe until it ends; a partial last line is written when the pipe closes. The
   * log file stays open while a pipe is attached; with none, it is closed after each write.
   */
  attach(source: Readable, stream: "stdout" | "stderr"): void {
    const prefixFor = (ts: string) => Buffer.from(`${ts} ${stream} `)
    let partial: Buffer | undefined
    this.sources.add(source)
    this.file?.hold()
    source.on("data", (chunk: Buffer) => {
      partial = this.frame(chunk, partial, prefixFor(new Date().toISOString()))
      if (this.file !== undefined && this.file.queued > HIGH_WATER) source.pause()
    })
    source.once("close", () => {
      if (partial !== undefined && partial.length > 0) {
        this.emit(Buffer.concat([prefixFor(new Date().toISOString()), partial, Buffer.from("\n")]))
      }
      partial = undefined
      this.sources.delete(source)
      if (this.sources.size === 0) this.file?.release()
    })
  }

  /**
   * One of Dockless's own lines about this service ("exited with code 3, restarting in 600ms").
   * With no process attached, the file is opened for it and closed again.
   */
  note(text: string): void {
    this.emit(Buffer.from(`${new Date().toISOString()} dockless ${text.replaceAll("\n", " ")}\n`))
  }

  /** The newest `count` lines still held in memory, oldest first. */
  tail(count: number): ReadonlyArray<LogLine> {
    if (count <= 0) return []
    return parseLines(this.ring.contents()).slice(-count)
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  close(): Promise<void> {
    return this.file?.close() ?? Promise.resolve()
  }

  /**
   * Frames every complete line of `chunk` (after the carried-over `partial`); returns the new
   * partial. For short lines the native calls per line are what costs, so the newlines are
   * found once (their offsets kept in a reused array) and each line is then one copy.
   */
  private frame(chunk: Buffer, partial: Buffer | undefined, prefix: Buffer): Buffer | undefined {
    let lines = 0
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
      if (lines === newlines.length) newlines = growOffsets(newlines)
      newlines[lines++] = at
    }
    if (lines === 0) {
      const joined = partial === undefined ? Buffer.from(chunk) : Buffer.concat([partial, chunk])
      if (joined.length < MAX_LINE) return joined
      this.emit(Buffer.concat([prefix, joined, Buffer.from("\n")]))
      return undefined
    }
    const last = newlines[lines - 1] ?? 0
    const out = Buffer.allocUnsafe((partial?.length ?? 0) + last + 1 + lines * prefix.length)
    let pos = prefix.copy(out, 0)
    if (partial !== undefined) pos += partial.copy(out, pos)
    let start = 0
    for (let i = 0; i < lines; i++) {
      const end = (newlines[i] ?? 0) + 1
      if (i > 0) pos += prefix.copy(out, pos)
      pos += chunk.copy(out, pos, start, end)
      start = end
    }
    this.emit(out)
    return start < chunk.length ? Buffer.from(chunk.subarray(start)) : undefined
  }

  private emit(framed: Buffer): void {
    this.file?.append(framed)
    this.remember(framed)
    for (const subscriber of this.subscribers) subscriber(framed)
  }

  /** Starts the ring with the end of an existing log, so history survives a restart of Dockless. */
  private primeFrom(path: string): void {
    try {
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
      try {
        const size = fstatSync(fd).size
        const length = Math.min(size, this.ringLimit)
        const tail = Buffer.alloc(length)
        readSync(fd, tail, 0, length, size - length)
        this.remember(length === size ? tail : tailLines(tail, length))
      } finally {
        closeSync(fd)
      }
    } catch {
      // No log yet, or one that cannot be read: nothing to remember, and writing will say why.
    }
  }

  private remember(framed: Buffer): void {
    // Copied into one array per service: holding the framed chunks themselves cost an object
    // each (a crash loop's notes: ~900 per service) and pinned the pool slabs they were cut from.
    this.ring.remember(framed.length > this.ringLimit ? tailLines(framed, this.ringLimit) : framed)
  }
}

/**
 * Newline offsets of the chunk being framed, shared by every capture: framing is synchronous,
 * so one array serves all services (one per service would cost 16 KiB each for nothing).
 */
let newlines: Int32Array = new Int32Array(4096)

const growOffsets = (offsets: Int32Array): Int32Array => {
  const grown = new Int32Array(offsets.length * 2)
  grown.set(offsets)
  return grown
}

const tailLines = (framed: Buffer, limit: number): Buffer => {
  const from = framed.indexOf(NEWLINE, framed.length - limit)
  return from === -1 ? Buffer.alloc(0) : framed.subarray(from + 1)
}

const LINE = /^(\S+) (stdout|stderr|dockless) (.*)$/s

/** Parses framed bytes back into lines; the inverse of the framing above. */
export const parseLines = (framed: Buffer): Array<LogLine> => {
  const lines: Array<LogLine> = []
  for (const raw of framed.toString("utf8").split("\n")) {
    const match = LINE.exec(raw)
    if (match?.[1] !== undefined && match[3] !== undefined) {
      lines.push({
        ts: match[1],
        stream: match[2] === undefined ? "stdout" : toStream(match[2]),
        text: match[3],
      })
    }
  }
  return lines
}

const toStream = (name: string): LogStream =>
  name === "stderr" ? "stderr" : name === "dockless" ? "dockless" : "stdout"
