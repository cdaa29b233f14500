// A size-rotated append-only file (NAME.log, then NAME.log.1 .. NAME.log.K), written in batches
// with writev. It reports how many bytes wait in memory so the producer can apply backpressure:
// a child that writes faster than the disk is paused instead of growing Dockless's heap.
// Nothing on the disk can break it: every file operation fails into `fail`, which drops what
// is queued, lets the producer go on and reports the reason once; the file is reopened (and
// recreated, with its directory) on a write at least RETRY_MS later. It is open only while a
// producer is attached or bytes wait, so a stopped service holds no file and `rm` frees space.
// Plain Node on purpose: this is the hot path of output capture (hundreds of MiB/s).
import * as fs from "node:fs"
import { dirname } from "node:path"
import { errnoCode, systemErrorReason } from "../os/SystemError.ts"
import type { ViewHolder } from "./OutputSlabs.ts"

export interface LogFileOptions {
  readonly path: string
  readonly maxBytes: number
  readonly keep: number
  /** Called when queued bytes fall back under the low-water mark after having been above the high one. */
  readonly onDrain: () => void
  /** Called with a sentence when the file stops being writable, and with null once it is again. */
  readonly onError: (error: string | null) => void
  /** Milliseconds since the epoch; a test passes its own clock. */
  readonly now?: () => number
}

export const HIGH_WATER = 1024 * 1024
const LOW_WATER = 256 * 1024
/** How long a failed file is left alone, and how often an open one is checked to still be at its path. */
export const RETRY_MS = 1000
/** The mode of data_dir/logs: a removed one is recreated as the data dir created it. */
export const LOG_DIR_MODE = 0o700
const LOG_MODE = 0o640
/** O_NONBLOCK: a FIFO put at the log's path fails the open instead of hanging Dockless. */
const APPEND = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NONBLOCK
/** writev takes at most IOV_MAX buffers. */
const MAX_BATCH = 1024

/** A failed file operation, as a person reads it; `code` tells one cause from another. */
class LogFault {
  constructor(
    readonly code: string,
    readonly sentence: string,
  ) {}
}

const faultOf = (what: string, cause: unknown): LogFault =>
  new LogFault(errnoCode(cause), `cannot ${what}: ${systemErrorReason(cause)}`)

/** Runs one file operation; its failure becomes a LogFault saying what could not be done. */
const attempt = <A>(what: string, operation: () => A): A => {
  try {
    return operation()
  } catch (cause) {
    throw faultOf(what, cause)
  }
}

const renameIfPresent = (from: string, to: string): void => {
  try {
    fs.renameSync(from, to)
  } catch (cause) {
    if (errnoCode(cause) !== "ENOENT") throw cause
  }
}

export class LogFile implements ViewHolder {
  private fd: number | undefined
  /** Identity of the open file, to notice it was removed or moved. */
  private dev = 0
  private ino = 0
  private size = 0
  private queue: Array<Buffer> = []
  private writing = false
  private pressured = false
  /** A producer is attached: keep the file open between writes. */
  private held = false
  private ended = false
  private idle: Array<() => void> = []
  /** Readers waiting for the bytes taken up to their mark to be written (or dropped). */
  private readers: Array<{ readonly mark: number; readonly done: () => void }> = []
  /** Where the last whole buffer ends: past it, a short write left part of a line. */
  private whole = 0
  private failure: LogFault | undefined
  private retryAt = 0
  private checkAt = 0
  private readonly now: () => number
  /** Bytes waiting in memory (being written included). */
  queued = 0
  /** Bytes ever given to `append`: what is not queued of them is written or dropped, never read again. */
  taken = 0

  constructor(private readonly options: LogFileOptions) {
    this.now = options.now ?? Date.now
  }

  /** Bytes given to `append` that the file will not read again: the buffers holding them may be reused. */
  get released(): number {
    return this.taken - this.queued
  }

  /**
   * Resolves true once every byte given to `append` so far is written or dropped, so a read of
   * the file sees them; false if that takes longer than `ms` (a slow or stuck disk).
   */
  caughtUp(ms: number): Promise<boolean> {
    const mark = this.taken
    if (this.released >= mark) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.readers = this.readers.filter((r) => r !== reader)
        resolve(false)
      }, ms)
      timer.unref()
      const reader = {
        mark,
        done: () => {
          clearTimeout(timer)
          resolve(true)
        },
      }
      this.readers.push(reader)
    })
  }

  /** Why the file cannot be written now, or null. */
  get error(): string | null {
    return this.failure?.sentence ?? null
  }

  /** Queues one buffer of whole lines; returns false when the producer should pause. */
  append(buffer: Buffer): boolean {
    this.taken += buffer.length
    // Output that cannot be written is dropped, never held: the child goes on regardless.
    if (this.ended || (this.failure !== undefined && this.now() < this.retryAt)) return true
    this.queue.push(buffer)
    this.queued += buffer.length
    if (!this.writing) this.writeNext()
    if (this.queued > HIGH_WATER) this.pressured = true
    return !this.pressured
  }

  /** A producer is attached: the file stays open between writes. */
  hold(): void {
    this.held = true
  }

  /** No producer is attached any more: the file is closed once what is queued is written. */
  release(): void {
    this.held = false
    if (!this.writing) this.closeFd()
  }

  /** Resolves once everything queued so far is written (or dropped), then closes the file. */
  close(): Promise<void> {
    this.ended = true
    return new Promise((resolve) => {
      if (this.writing) this.idle.push(resolve)
      else {
        this.closeFd()
        resolve()
      }
    })
  }

  private writeNext(): void {
    if (this.queue.length === 0) return this.settle()
    const fd = this.ready()
    if (fd === undefined) return
    const batch = this.takeBatch()
    const bytes = batch.reduce((n, b) => n + b.length, 0)
    this.writing = true
    fs.writev(fd, batch, (error, written) => {
      if (error !== null) return this.fail(faultOf(`write ${this.options.path}`, error))
      this.size += written
      this.queued -= written
      // A regular file takes all or says why not: a short count (a full disk) is followed by that error.
      if (written < bytes) this.requeue(batch, written)
      else this.whole = this.size
      this.wakeReaders()
      if (this.failure !== undefined) this.recover()
      if (this.pressured && this.queued < LOW_WATER) {
        this.pressured = false
        this.options.onDrain()
      }
      this.writeNext()
    })
  }

  /** Opens the file, follows it if it was removed or moved, rotates it when full; undefined after a failure. */
  private ready(): number | undefined {
    try {
      if (this.fd === undefined) this.open()
      else if (this.now() >= this.checkAt) this.followPath()
      if (this.isFull()) this.rotate()
      return this.fd
    } catch (fault) {
      if (!(fault instanceof LogFault)) throw fault
      this.fail(fault)
      return undefined
    }
  }

  /** The next buffer would not fit; never rotated in the middle of a line. */
  private isFull(): boolean {
    const first = this.queue[0]
    return (
      first !== undefined &&
      this.size > 0 &&
      this.size === this.whole &&
      this.size + first.length > this.options.maxBytes
    )
  }

  /** Opens (creating it, and its directory if that was removed) the file at the path. */
  private open(): void {
    const { path } = this.options
    const fd = attempt(`write ${path}`, () => openInExistingDir(path)) ?? this.openAfterCreatingDir(path)
    this.fd = fd
    const stat = attempt(`write ${path}`, () => fs.fstatSync(fd))
    this.dev = stat.dev
    this.ino = stat.ino
    this.size = stat.size
    this.whole = stat.size
    this.checkAt = this.now() + RETRY_MS
  }

  private openAfterCreatingDir(path: string): number {
    const dir = dirname(path)
    attempt(`create ${dir}`, () => {
      try {
        fs.mkdirSync(dir, { mode: LOG_DIR_MODE })
      } catch (cause) {
        if (errnoCode(cause) !== "EEXIST") throw cause
      }
    })
    return attempt(`write ${path}`, () => fs.openSync(path, APPEND, LOG_MODE))
  }

  /** A log removed or moved away (`rm`, `mv`, logrotate) is recreated, so its space is freed. */
  private followPath(): void {
    this.checkAt = this.now() + RETRY_MS
    const { path } = this.options
    let onDisk: fs.Stats | undefined
    try {
      onDisk = fs.statSync(path, { throwIfNoEntry: false })
    } catch {
      onDisk = undefined
    }
    if (onDisk !== undefined && onDisk.ino === this.ino && onDisk.dev === this.dev) return
    this.closeFd()
    this.open()
  }

  /** Takes queued buffers up to the rotation boundary. */
  private takeBatch(): Array<Buffer> {
    const batch: Array<Buffer> = []
    let room = this.options.maxBytes - this.size
    while (this.queue.length > 0 && batch.length < MAX_BATCH) {
      const next = this.queue[0]
      if (next === undefined || (batch.length > 0 && next.length > room)) break
      batch.push(next)
      this.queue.shift()
      room -= next.length
    }
    return batch
  }

  /** Puts back what a short write left unwritten, so the next writev writes it or says why not. */
  private requeue(batch: Array<Buffer>, written: number): void {
    let done = 0
    let i = 0
    for (; i < batch.length; i++) {
      const length = batch[i]?.length ?? 0
      if (done + length > written) break
      done += length
    }
    if (i > 0) this.whole = this.size - (written - done)
    const cut = batch[i]?.subarray(written - done)
    this.queue.unshift(...(cut === undefined ? [] : [cut]), ...batch.slice(i + 1))
  }

  private rotate(): void {
    const { path, keep } = this.options
    this.closeFd()
    attempt(`rotate ${path}`, () => {
      if (keep === 0) return fs.rmSync(path, { force: true })
      fs.rmSync(`${path}.${keep}`, { force: true })
      for (let i = keep - 1; i >= 1; i--) renameIfPresent(`${path}.${i}`, `${path}.${i + 1}`)
      // Gone already (removed by hand): there is nothing to rotate, a fresh file starts.
      renameIfPresent(path, `${path}.1`)
    })
    this.open()
  }

  /** The one error path: drop what waits, let the producer go, say why once, try again later. */
  private fail(fault: LogFault): void {
    this.untear()
    this.closeFd()
    this.queue = []
    this.queued = 0
    this.wakeReaders()
    this.retryAt = this.now() + RETRY_MS
    if (this.pressured) {
      this.pressured = false
      this.options.onDrain()
    }
    // A new cause is news; the same one again (every retry) is not.
    if (this.failure?.code !== fault.code) {
      this.failure = fault
      this.options.onError(fault.sentence)
    }
    this.settle()
  }

  private wakeReaders(): void {
    if (this.readers.length === 0) return
    const released = this.released
    const waiting = this.readers
    this.readers = waiting.filter((r) => r.mark > released)
    for (const reader of waiting) if (reader.mark <= released) reader.done()
  }

  private recover(): void {
    this.failure = undefined
    this.options.onError(null)
  }

  /** A line cut by a full disk is taken back out, so the file still holds whole lines only. */
  private untear(): void {
    if (this.size === this.whole || this.fd === undefined) return
    try {
      fs.ftruncateSync(this.fd, this.whole)
    } catch {
      // The cut line stays in the file; the lines after it are still whole.
    }
  }

  /** Nothing is queued: close the file unless a producer is attached, and wake close(). */
  private settle(): void {
    this.writing = false
    if (!this.held || this.ended) this.closeFd()
    for (const done of this.idle.splice(0)) done()
  }

  private closeFd(): void {
    if (this.fd === undefined) return
    try {
      fs.closeSync(this.fd)
    } catch {
      // The descriptor is released even when close reports a delayed write error.
    }
    this.fd = undefined
  }
}

/** Opens the file for appending; undefined when its directory is missing. */
const openInExistingDir = (path: string): number | undefined => {
  try {
    return fs.openSync(path, APPEND, LOG_MODE)
  } catch (cause) {
    if (errnoCode(cause) === "ENOENT") return undefined
    throw cause
  }
}
