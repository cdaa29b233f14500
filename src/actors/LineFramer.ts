// The framing of one output stream of a run: its bytes become `ISO-TIME STREAM TEXT` lines.
// This is the hot path of capture (hundreds of MiB/s of short lines), so it avoids what costs
// there: a native call or an object per line, and an allocation per chunk. Bytes are copied a
// 32-bit word at a time and searched for newlines in the same pass (a word has a 0x0A byte iff
// the SWAR test below says so); the 32-byte prefix keeps source and destination words aligned
// from one line to the next, so a line break costs nine word stores. Output goes into the
// shared slabs (OutputSlabs.ts); what is emitted is a view of one, held until it is written.
import { slabs, type ViewHolder } from "./OutputSlabs.ts"

/** A line longer than this is cut into pieces, so one endless line cannot grow memory. */
export const MAX_LINE = 64 * 1024
const NEWLINE = 0x0a
/** `2026-11-28T12:00:00.123Z stdout `: the prefix length the word path is built for. */
const WORD_PREFIX = 32
/** At most this much of a chunk is framed in one go, so one region of a slab always fits it. */
const SLICE = 64 * 1024
/** Room kept free past the rest of a slice: a word with four newlines, the tail bytes, a cut. */
const RESERVE = 512

const NEWLINES = 0x0a0a0a0a
const ONES = 0x01010101
const HIGHS = 0x80808080 | 0

/** Word masks by lane (the byte at address 4i + lane): KEEP[k] has lanes 0..k, DROP[k] the others. */
const KEEP = new Int32Array(4)
const DROP = new Int32Array(4)
{
  const lanes = new Uint8Array(KEEP.buffer)
  for (let k = 0; k < 4; k++) for (let lane = 0; lane <= k; lane++) lanes[k * 4 + lane] = 0xff
  for (let k = 0; k < 4; k++) DROP[k] = ~(KEEP[k] ?? 0)
}

/**
 * The prefix as it lands after a newline in lane k: nine words (36 bytes) holding the prefix at
 * byte k + 1, zero elsewhere. Built through bytes, so it is right on either endianness.
 */
const rotated = new Int32Array(36)
const rotatedBytes = new Uint8Array(rotated.buffer)
/** The prefix of the chunk being framed. */
const prefix = Buffer.alloc(64)
let prefixLength = 0

const setPrefix = (text: string): void => {
  prefixLength = prefix.write(text, 0, "latin1")
  if (prefixLength !== WORD_PREFIX) return
  rotatedBytes.fill(0)
  for (let k = 0; k < 4; k++) rotatedBytes.set(prefix.subarray(0, WORD_PREFIX), k * 36 + k + 1)
}

export type Emit = (framed: Buffer) => void

export class LineFramer {
  /** The open line, framed (its prefix and the text so far), or undefined at a line start. */
  private carry: Uint8Array | undefined
  private carryPrefix = 0
  /** How far the region being framed has got: the next byte of the source, and of the slab. */
  private src = 0
  private dst = 0
  /** Where the open line (its prefix) starts in the slab. */
  private lineStart = 0

  /** `holder` keeps what is emitted (the log file's queue), so the slab waits for it. */
  constructor(
    private readonly stream: "stdout" | "stderr",
    private readonly holder: ViewHolder | undefined,
  ) {}

  /** Frames `chunk`, stamped `ts`; each run of whole lines goes to `emit`, the rest waits for more. */
  push(chunk: Uint8Array, ts: string, emit: Emit): void {
    setPrefix(`${ts} ${this.stream} `)
    for (let from = 0; from < chunk.length; from += SLICE) {
      this.slice(chunk, from, Math.min(chunk.length, from + SLICE), emit)
    }
    // The open line leaves the slab, which other streams write next; a line not begun is no line.
    const carry = this.carry
    this.carry = carry === undefined || carry.length === this.carryPrefix ? undefined : Buffer.from(carry)
  }

  /** The open line, ended with a newline (the stream closed in the middle of it). */
  end(emit: Emit): void {
    if (this.carry !== undefined) emit(Buffer.concat([this.carry, Buffer.of(NEWLINE)]))
    this.carry = undefined
  }

  /**
   * Frames chunk[from, to) into as many slab regions as it takes. The open line stays at the end
   * of the slab (rewritten at the start of the next region) unless it has grown past MAX_LINE.
   */
  private slice(chunk: Uint8Array, from: number, to: number, emit: Emit): void {
    this.src = from
    while (this.src < to) {
      const carry = this.carry
      const carryLength = carry?.length ?? 0
      const head = (4 - ((chunk.byteOffset + this.src) & 3)) & 3
      // Source and slab advance in step (a line break adds 32 bytes), so they stay aligned alike.
      const want = carryLength + prefixLength + (to - this.src) + 2 * RESERVE
      const start = slabs.take(want, -(carryLength + head) & 3)
      const bytes = slabs.current.bytes
      if (carry === undefined) {
        bytes.set(prefix.subarray(0, prefixLength), start)
        this.carryPrefix = prefixLength
        this.dst = start + prefixLength
      } else {
        bytes.set(carry, start)
        this.dst = start + carryLength
      }
      this.lineStart = start
      const words = prefixLength === WORD_PREFIX
      if (this.bytes(chunk, Math.min(to, this.src + head)) && (!words || this.words(chunk, to)))
        this.bytes(chunk, to)
      if (this.lineStart > start) this.emit(start, this.lineStart, emit)
      this.carry = bytes.subarray(this.lineStart, this.dst)
      slabs.top = this.lineStart
    }
    if (this.dst - this.lineStart - this.carryPrefix >= MAX_LINE) {
      slabs.current.bytes[this.dst] = NEWLINE
      slabs.top = this.dst + 1
      this.emit(this.lineStart, slabs.top, emit)
      this.carry = undefined
    }
  }

  private emit(from: number, to: number, emit: Emit): void {
    emit(slabs.view(from, to))
    if (this.holder !== undefined) slabs.hold(this.holder)
  }

  /** Frames a byte at a time up to `to`; false if the slab region ran out first. */
  private bytes(chunk: Uint8Array, to: number): boolean {
    const slab = slabs.current.bytes
    const limit = slab.length - RESERVE
    let s = this.src
    let d = this.dst
    for (; s < to; s++) {
      const byte = chunk[s] ?? 0
      slab[d++] = byte
      if (byte !== NEWLINE) continue
      this.lineStart = d
      this.carryPrefix = prefixLength
      slab.set(prefix.subarray(0, prefixLength), d)
      d += prefixLength
      if (d + (to - s) > limit) {
        s++
        break
      }
    }
    this.src = s
    this.dst = d
    return s === to
  }

  /** Frames whole words up to `to` (source and slab aligned alike); false if the slab region ran out first. */
  private words(chunk: Uint8Array, to: number): boolean {
    const count = (to - this.src) >> 2
    if (count === 0) return true
    const src = new Int32Array(chunk.buffer, chunk.byteOffset + this.src, count)
    const dst = slabs.current.words
    const limit = (slabs.current.bytes.length - RESERVE) >> 2
    const base = this.src
    let j = this.dst >> 2
    let lineStart = this.lineStart
    let i = 0
    for (; i < count; i++) {
      const w = src[i] ?? 0
      const v = w ^ NEWLINES
      if ((((v - ONES) | 0) & ~v & HIGHS) === 0) {
        dst[j++] = w
        continue
      }
      // Room for the rest of the slice even if this word holds four line breaks; else a new region.
      if (j + (count - i) + 32 > limit) break
      let word = w
      const at = base + (i << 2)
      for (let k = 0; k < 4; k++) {
        if (chunk[at + k] !== NEWLINE) continue
        const r = k * 9
        dst[j] = (word & (KEEP[k] ?? 0)) | (rotated[r] ?? 0)
        dst[j + 1] = rotated[r + 1] ?? 0
        dst[j + 2] = rotated[r + 2] ?? 0
        dst[j + 3] = rotated[r + 3] ?? 0
        dst[j + 4] = rotated[r + 4] ?? 0
        dst[j + 5] = rotated[r + 5] ?? 0
        dst[j + 6] = rotated[r + 6] ?? 0
        dst[j + 7] = rotated[r + 7] ?? 0
        word = (rotated[r + 8] ?? 0) | (word & (DROP[k] ?? 0))
        lineStart = (j << 2) + k + 1
        j += 8
      }
      dst[j++] = word
    }
    if (lineStart !== this.lineStart) this.carryPrefix = WORD_PREFIX
    this.lineStart = lineStart
    this.src = base + (i << 2)
    this.dst = j << 2
    return i === count
  }
}
