// The framing of one output stream of a run: its bytes become `ISO-TIME STREAM TEXT` lines.
// This is the hot path of capture (hundreds of MiB/s of short lines): the bytes are framed in
// the WebAssembly kernel's memory (FramerKernel.ts), 64 KiB at a time, and each run of whole
// lines is copied out into the shared slabs (OutputSlabs.ts) with one copy; what is emitted is a
// view of a slab, held until it is written. The line still open when a chunk ends is kept here.
import {
  framerKernel,
  IN_AT,
  IN_BYTES,
  MAX_PREFIX,
  OUT_AT,
  OUT_END,
  PREFIX_AT,
  type FramerKernel,
} from "./FramerKernel.ts"
import { slabs, type ViewHolder } from "./OutputSlabs.ts"

/** A line longer than this is cut into pieces, so one endless line cannot grow memory. */
export const MAX_LINE = 64 * 1024
const NEWLINE = 0x0a
/** Room kept free at the end of the kernel's output: it writes up to 80 bytes past where it is. */
const LIMIT = OUT_END - 512

export type Emit = (framed: Buffer) => void

export class LineFramer {
  /** The open line, framed (its prefix and the text so far), or undefined at a line start. */
  private carry: Buffer | undefined
  /** The length of the open line's prefix (the chunk it began in may have had a longer time). */
  private carryPrefix = 0

  /**
   * `holder` keeps what is emitted (the log file's queue), so the slab waits for it. `kernel` is
   * the process's one (FramerKernel.ts) unless a test gives another.
   */
  constructor(
    private readonly stream: "stdout" | "stderr",
    private readonly holder: ViewHolder | undefined,
    private readonly kernel: () => FramerKernel = framerKernel,
  ) {}

  /** Frames `chunk`, stamped `ts`; each run of whole lines goes to `emit`, the rest waits for more. */
  push(chunk: Uint8Array, ts: string, emit: Emit): void {
    const kernel = this.kernel()
    const prefixLength = kernel.bytes.write(`${ts} ${this.stream} `, PREFIX_AT, MAX_PREFIX, "latin1")
    let end =
      this.carry === undefined ? this.startLine(kernel, prefixLength) : this.restore(kernel, this.carry)
    for (let from = 0; from < chunk.length; from += IN_BYTES) {
      const to = Math.min(chunk.length, from + IN_BYTES)
      kernel.bytes.set(chunk.subarray(from, to), IN_AT)
      end = this.slice(kernel, to - from, end, prefixLength, emit)
    }
    // The open line leaves the kernel, which other streams use next; a line not begun is no line.
    this.carry =
      end - OUT_AT === this.carryPrefix ? undefined : Buffer.from(kernel.bytes.subarray(OUT_AT, end))
  }

  /** The open line, ended with a newline (the stream closed in the middle of it). */
  end(emit: Emit): void {
    if (this.carry !== undefined) emit(Buffer.concat([this.carry, Buffer.of(NEWLINE)]))
    this.carry = undefined
  }

  /** Puts the line left open by the last chunk at the start of the kernel's output; returns its end. */
  private restore(kernel: FramerKernel, carry: Buffer): number {
    kernel.bytes.set(carry, OUT_AT)
    return OUT_AT + carry.length
  }

  /** Puts a new line's prefix at the start of the kernel's output; returns its end. */
  private startLine(kernel: FramerKernel, prefixLength: number): number {
    kernel.bytes.copyWithin(OUT_AT, PREFIX_AT, PREFIX_AT + prefixLength)
    this.carryPrefix = prefixLength
    return OUT_AT + prefixLength
  }

  /**
   * Frames the `length` input bytes after the open line, which ends at `end`; emits the whole
   * lines and returns where the open line ends now. An open line past MAX_LINE is cut here.
   */
  private slice(kernel: FramerKernel, length: number, end: number, prefixLength: number, emit: Emit): number {
    const last = IN_AT + length
    for (let src = IN_AT; src < last;) {
      kernel.lineStart = OUT_AT
      end = kernel.frame(src, last, end, LIMIT, prefixLength)
      src = kernel.src
      const lineStart = kernel.lineStart
      if (lineStart === OUT_AT) continue
      this.emit(kernel, lineStart, emit)
      this.carryPrefix = prefixLength
      kernel.bytes.copyWithin(OUT_AT, lineStart, end)
      end -= lineStart - OUT_AT
    }
    if (end - OUT_AT - this.carryPrefix < MAX_LINE) return end
    kernel.bytes[end] = NEWLINE
    this.emit(kernel, end + 1, emit)
    return this.startLine(kernel, prefixLength)
  }

  /** Emits the kernel's output up to `to` as a view of a slab, copied there at once. */
  private emit(kernel: FramerKernel, to: number, emit: Emit): void {
    const length = to - OUT_AT
    const at = slabs.take(length)
    slabs.current.bytes.set(kernel.bytes.subarray(OUT_AT, to), at)
    slabs.top = at + length
    emit(slabs.view(at, at + length))
    if (this.holder !== undefined) slabs.hold(this.holder)
  }
}
