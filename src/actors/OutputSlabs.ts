// Where framed output lives until the log file has written it: 1 MiB slabs shared by every
// stream (framing is synchronous, so one region is written at a time), handed out as views.
// A slab is reused once every holder of its views (a log file's write queue) has let go of
// them, so a firehose cycles through a few warm slabs instead of faulting in fresh memory for
// every MiB and leaving the old ones to the garbage collector; a few spares are kept, no more.

/** Keeps emitted views after `emit` returns (a log file's queue): bytes it took, bytes it let go of. */
export interface ViewHolder {
  readonly taken: number
  readonly released: number
}

const SLAB = 1024 * 1024
/** Retired slabs kept for reuse: a log file queues at most about 1 MiB, so three cover it. */
const SPARE = 3

class Slab {
  readonly bytes: Buffer
  /** Per holder, how much it must have let go of before none of this slab's views are in it. */
  readonly holds = new Map<ViewHolder, number>()

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafeSlow(size)
  }

  get free(): boolean {
    for (const [holder, mark] of this.holds) if (holder.released < mark) return false
    return true
  }
}

export class OutputSlabs {
  /** The slab being written, and where its free part starts. */
  current: Slab = new Slab(0)
  top = 0
  private retired: Array<Slab> = []

  /** Where `want` bytes can be written in `current`. */
  take(want: number): number {
    if (this.top + want <= this.current.bytes.length) return this.top
    if (this.current.bytes.length === SLAB) this.retired.push(this.current)
    this.current = (want <= SLAB ? this.reuse() : undefined) ?? new Slab(Math.max(SLAB, want))
    this.retired.splice(0, Math.max(0, this.retired.length - SPARE))
    this.top = 0
    return 0
  }

  /** The bytes [from, to) of the current slab, as a Buffer of their own. */
  view(from: number, to: number): Buffer {
    return Buffer.from(this.current.bytes.buffer, from, to - from)
  }

  /** `holder` has just taken a view of the current slab: the slab waits until it lets go of it. */
  hold(holder: ViewHolder): void {
    this.current.holds.set(holder, holder.taken)
  }

  private reuse(): Slab | undefined {
    const index = this.retired.findIndex((slab) => slab.free)
    const [slab] = index === -1 ? [] : this.retired.splice(index, 1)
    slab?.holds.clear()
    return slab
  }
}

/** The one set of slabs: framing never runs on two streams at once. */
export const slabs = new OutputSlabs()
