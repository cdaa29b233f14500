// The newest bytes of a service's framed output, for GET /api/services/:name/logs: a ring of
// at most `limit` bytes, copied in (what is captured lives in slabs that are reused, and a
// quiet service must not keep one alive). It grows to its limit only as output comes, so a
// service that writes little costs little; read back from the first whole line.

const NEWLINE = 0x0a
/**
 * The first array's size: a few lines. An idle service holds only its "started" line (~55 bytes);
 * at 4 KiB, 1000 idle services held 4 MiB of rings (a heap snapshot, issue 21).
 */
const FIRST = 512

export class LogRing {
  private bytes = new Uint8Array(0)
  /** Where the next byte goes, and how many bytes are held (they end at `end`, wrapping). */
  private end = 0
  private held = 0
  /** Older bytes were overwritten, so the oldest held line may have lost its start. */
  private cut = false

  constructor(private readonly limit: number) {}

  remember(framed: Uint8Array): void {
    const piece = framed.length > this.limit ? framed.subarray(framed.length - this.limit) : framed
    if (piece.length === 0) return
    this.cut ||= piece !== framed
    if (this.bytes.length < this.limit && this.held + piece.length > this.bytes.length)
      this.grow(piece.length)
    const size = this.bytes.length
    const first = Math.min(piece.length, size - this.end)
    this.bytes.set(piece.subarray(0, first), this.end)
    this.bytes.set(piece.subarray(first), 0)
    this.end = (this.end + piece.length) % size
    this.cut ||= this.held + piece.length > size
    this.held = Math.min(size, this.held + piece.length)
  }

  /** What is held, oldest first, from the first whole line on; valid until the next `remember`. */
  contents(): Buffer {
    const held = this.unwrapped()
    const from = this.cut ? held.indexOf(NEWLINE) + 1 : 0
    return from === 0 && this.cut ? Buffer.alloc(0) : held.subarray(from)
  }

  /** Moves what is held into a bigger array, with room for `more` bytes (up to the limit). */
  private grow(more: number): void {
    const size = Math.min(this.limit, Math.max(FIRST, 2 * this.bytes.length, this.held + more))
    const bigger = new Uint8Array(size)
    bigger.set(this.unwrapped(), 0)
    this.bytes = bigger
    this.end = this.held
  }

  /** The held bytes in order: a view when they do not wrap, else a copy. */
  private unwrapped(): Buffer {
    const from = this.end - this.held
    if (from >= 0) return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + from, this.held)
    return Buffer.concat([this.bytes.subarray(this.bytes.length + from), this.bytes.subarray(0, this.end)])
  }
}
