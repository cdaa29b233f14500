// A service's captured output: frames stdout/stderr bytes into `ISO-TIME STREAM TEXT` lines
// (LineFramer, one timestamp per chunk), appends them to the rotated log file, keeps the newest
// ones in a small ring for the API (older ones are read back from the file) and hands them to
// live subscribers. Lines are only decoded to strings when someone reads them. A log that cannot
// be written never stops the service: its lines still reach the ring and subscribers, and
// `logError` says why the file misses them.
import type { Socket } from "node:net"
import type { Readable } from "node:stream"
import { preparePairs, takePairs, takeReadyPairs, type SocketPair } from "../os/SocketPairs.ts"
import { LineFramer } from "./LineFramer.ts"
import { HIGH_WATER, LogFile } from "./LogFile.ts"
import { LogRing } from "./LogRing.ts"
import { readTail } from "./LogTail.ts"

export type LogStream = "stdout" | "stderr" | "dockless"

export interface LogLine {
  readonly ts: string
  readonly stream: LogStream
  readonly text: string
}

/** A log file and its rotations (`path`.1 .. `path`.keep), as `logOnDisk` finds them. */
export interface LogOnDisk {
  readonly path: string
  readonly keep: number
  /** Every line captured so far is in the file. */
  readonly complete: boolean
}

export interface CaptureOptions {
  /** undefined when logging to disk is disabled for the service: the ring and subscribers still work. */
  readonly file: { readonly path: string; readonly maxBytes: number; readonly keep: number } | undefined
  readonly ringBytes?: number
}

/**
 * Per service, when a log file backs the ring (older lines are read from it): 200 chatty
 * services cost at most 3.1 MiB; quiet ones cost what they wrote.
 */
const FILE_RING = 16 * 1024
/** Per service with logging to disk disabled: the ring is all the history there is. */
const ALONE_RING = 64 * 1024
/** How long a request for older lines waits for what was captured to reach the file. */
const CATCH_UP_MS = 1000

/** The process's ends of the pairs `pipes` made, to give it as its stdout and stderr. */
export interface ChildOutput {
  readonly stdout: Socket
  readonly stderr: Socket
  /** Closes these ends here, once the process has them (or will not): the process's exit then ends the capture. */
  readonly close: () => void
}

type Subscriber = (framed: Buffer) => void
type LogErrorListener = (error: string | null) => void

export class OutputCapture {
  private readonly file: LogFile | undefined
  private readonly sources = new Set<Readable>()
  private readonly subscribers = new Set<Subscriber>()
  private readonly logErrorListeners = new Set<LogErrorListener>()
  private readonly ring: LogRing
  private readonly onDisk: CaptureOptions["file"]
  private readonly emit = (framed: Buffer): void => {
    this.file?.append(framed)
    this.ring.remember(framed)
    // A subscriber may keep what it gets (a slow SSE reader): its own copy, not a slab's view.
    if (this.subscribers.size === 0) return
    const copy = Buffer.from(framed)
    for (const subscriber of this.subscribers) subscriber(copy)
  }

  constructor(options: CaptureOptions) {
    preparePairs()
    this.onDisk = options.file
    const ringBytes = options.ringBytes ?? (options.file === undefined ? ALONE_RING : FILE_RING)
    this.ring = new LogRing(ringBytes)
    if (options.file !== undefined) this.primeFrom(options.file.path, ringBytes)
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
    const framer = new LineFramer(stream, this.file)
    this.follow(source, framer)
    source.on("data", (chunk: Buffer) => {
      if (!this.take(framer, chunk)) source.pause()
    })
  }

  /**
   * Output for a process that is about to start: a socket pair for its stdout and one for its
   * stderr, made ahead of time (SocketPairs.ts), whose other ends this capture reads as `attach`
   * reads a pipe, but without an allocation per read. Undefined when none are ready: the process
   * then gets Node's pipes, attached.
   */
  async pipes(): Promise<ChildOutput | undefined> {
    return this.wire(await takePairs(2))
  }

  /** As `pipes`, without waiting: undefined unless two pairs are ready now. */
  pipesNow(): ChildOutput | undefined {
    return this.wire(takeReadyPairs(2))
  }

  private wire(pairs: ReadonlyArray<SocketPair> | undefined): ChildOutput | undefined {
    const [out, err] = pairs ?? []
    if (out === undefined || err === undefined) return undefined
    this.read(out, "stdout")
    this.read(err, "stderr")
    return {
      stdout: out.theirs,
      stderr: err.theirs,
      close: () => {
        out.theirs.destroy()
        err.theirs.destroy()
      },
    }
  }

  private read(pair: SocketPair, stream: "stdout" | "stderr"): void {
    const framer = new LineFramer(stream, this.file)
    this.follow(pair.ours, framer)
    pair.readInto((n, read) => this.take(framer, read.subarray(0, n)))
  }

  /** Keeps the log open while `source` is attached, and writes its partial last line when it closes. */
  private follow(source: Readable, framer: LineFramer): void {
    this.sources.add(source)
    this.file?.hold()
    source.once("close", () => {
      framer.end(this.emit)
      this.sources.delete(source)
      if (this.sources.size === 0) this.file?.release()
    })
  }

  /** Frames one read of a pipe; false when the log file holds too much already (pause the pipe). */
  private take(framer: LineFramer, chunk: Uint8Array): boolean {
    framer.push(chunk, new Date().toISOString(), this.emit)
    return this.file === undefined || this.file.queued <= HIGH_WATER
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

  /**
   * The log on disk, for reading lines older than the ring holds, once what was captured so far
   * has reached it: `complete` is false when it misses some (a failing disk, a write that takes
   * more than CATCH_UP_MS), and then only the ring has the newest lines. Undefined when logging
   * to disk is off for the service: the ring is all there is.
   */
  async logOnDisk(): Promise<LogOnDisk | undefined> {
    const file = this.file
    const onDisk = this.onDisk
    if (file === undefined || onDisk === undefined) return undefined
    const caughtUp = await file.caughtUp(CATCH_UP_MS)
    return { path: onDisk.path, keep: onDisk.keep, complete: caughtUp && file.error === null }
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  close(): Promise<void> {
    return this.file?.close() ?? Promise.resolve()
  }

  /** Starts the ring with the end of an existing log, so history survives a restart of Dockless. */
  private primeFrom(path: string, limit: number): void {
    // No log yet, or one that cannot be read: nothing to remember, and writing will say why.
    this.ring.remember(readBack(path, limit))
  }
}

/** The newest `maxBytes` of whole lines in `path`, framed; none when the disk refuses the read (EIO). */
const readBack = (path: string, maxBytes: number): Buffer => {
  try {
    return readTail(path, 0, Number.POSITIVE_INFINITY, maxBytes)
  } catch {
    return Buffer.alloc(0)
  }
}

const LINE = /^(\S+) (stdout|stderr|dockless) (.*)$/s

/** Parses framed bytes back into lines; the inverse of the framing above. */
export const parseLines = (framed: Buffer): Array<LogLine> => {
  const lines: Array<LogLine> = []
  for (const raw of framed.toString("utf8").split("\n")) {
    const line = parseLine(raw)
    if (line !== undefined) lines.push(line)
  }
  return lines
}

/** One framed line (without its newline) as a LogLine; undefined when it is not one. */
export const parseLine = (raw: string): LogLine | undefined => {
  const match = LINE.exec(raw)
  if (match?.[1] === undefined || match[3] === undefined) return undefined
  return { ts: match[1], stream: match[2] === undefined ? "stdout" : toStream(match[2]), text: match[3] }
}

const toStream = (name: string): LogStream =>
  name === "stderr" ? "stderr" : name === "dockless" ? "dockless" : "stdout"
