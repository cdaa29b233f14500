// A size-rotated append-only file (NAME.log, then NAME.log.1 .. NAME.log.K), written in batches
// with writev. It reports how many bytes wait in memory so the producer can apply backpressure:
// a child that writes faster than the disk is paused instead of growing Dockless's heap.
// Plain Node on purpose: this is the hot path of output capture (hundreds of MiB/s).
import * as fs from "node:fs"

export interface LogFileOptions {
  readonly path: string
  readonly maxBytes: number
  readonly keep: number
  /** Called when queued bytes fall back under the low-water mark after having been above the high one. */
  readonly onDrain: () => void
}

export const HIGH_WATER = 1024 * 1024
const LOW_WATER = 256 * 1024

export class LogFile {
  private fd: number
  private size: number
  private queue: Array<Buffer> = []
  private writing = false
  private pressured = false
  private idle: Array<() => void> = []
  queued = 0

  constructor(private readonly options: LogFileOptions) {
    this.fd = fs.openSync(options.path, "a", 0o640)
    this.size = fs.fstatSync(this.fd).size
  }

  /** Queues one buffer of whole lines; returns false when the producer should pause. */
  append(buffer: Buffer): boolean {
    this.queue.push(buffer)
    this.queued += buffer.length
    if (!this.writing) this.writeNext()
    if (this.queued > HIGH_WATER) this.pressured = true
    return !this.pressured
  }

  /** Resolves once everything queued so far is on disk, then closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        fs.close(this.fd, () => resolve())
      }
      if (!this.writing && this.queue.length === 0) finish()
      else this.idle.push(finish)
    })
  }

  private writeNext(): void {
    const batch = this.takeBatch()
    if (batch.length === 0) {
      this.writing = false
      for (const done of this.idle.splice(0)) done()
      return
    }
    this.writing = true
    const bytes = batch.reduce((n, b) => n + b.length, 0)
    fs.writev(this.fd, batch, (error) => {
      // A full disk must not take Dockless down: the bytes are dropped, the process keeps running.
      if (error === null) this.size += bytes
      this.queued -= bytes
      if (this.pressured && this.queued < LOW_WATER) {
        this.pressured = false
        this.options.onDrain()
      }
      this.writeNext()
    })
  }

  /** Takes queued buffers up to the rotation boundary, rotating first when the file is already full. */
  private takeBatch(): Array<Buffer> {
    const first = this.queue[0]
    if (first === undefined) return []
    if (this.size > 0 && this.size + first.length > this.options.maxBytes) this.rotate()
    const batch: Array<Buffer> = []
    let room = this.options.maxBytes - this.size
    while (this.queue.length > 0 && batch.length < 1024) {
      const next = this.queue[0]
      if (next === undefined || (batch.length > 0 && next.length > room)) break
      batch.push(next)
      this.queue.shift()
      room -= next.length
    }
    return batch
  }

  private rotate(): void {
    const { path, keep } = this.options
    fs.closeSync(this.fd)
    if (keep === 0) {
      fs.rmSync(path, { force: true })
    } else {
      fs.rmSync(`${path}.${keep}`, { force: true })
      for (let i = keep - 1; i >= 1; i--) {
        if (fs.existsSync(`${path}.${i}`)) fs.renameSync(`${path}.${i}`, `${path}.${i + 1}`)
      }
      fs.renameSync(path, `${path}.1`)
    }
    this.fd = fs.openSync(path, "a", 0o640)
    this.size = 0
  }
}
