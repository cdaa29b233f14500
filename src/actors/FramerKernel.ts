// The inner loop of output framing, in WebAssembly (FramerKernel.wat): 16 bytes at a time are
// copied and searched for newlines with one vector compare, where JavaScript could take 4 with
// a bounds check on each. That loop was the daemon's main cost while a service writes hundreds
// of MiB/s: 200 MiB of 64-byte lines took 150–165 ms to frame in JS, 37 ms here, copies in and out
// of the kernel's memory included (Node 20 and 24). One instance serves every stream (framing
// is synchronous), made the first time a service writes: a daemon whose services are quiet
// never compiles it.
import { FRAMER_KERNEL_WASM } from "./FramerKernelWasm.ts"

/** The kernel's memory, as FramerKernel.wat lays it out. */
export const PREFIX_AT = 0
export const MAX_PREFIX = 64
export const IN_AT = 1024
export const IN_BYTES = 64 * 1024
export const OUT_AT = 128 * 1024
export const OUT_END = 384 * 1024

export interface FramerKernel {
  /** All of the kernel's memory; it never grows, so views of it stay valid. */
  readonly bytes: Buffer
  /**
   * Copies bytes [s, end) to d, writing the prefix (bytes [PREFIX_AT, prefixLength)) after each
   * newline; stops at end or after a newline that leaves d + (end - s) past limit. Returns d.
   * It may write 80 bytes past that d.
   */
  frame(s: number, end: number, d: number, limit: number, prefixLength: number): number
  /** Where the last `frame` stopped reading. */
  readonly src: number
  /** Where the last line `frame` began starts (set it before a call, to see whether one did). */
  lineStart: number
}

type Frame = (s: number, end: number, d: number, limit: number, prefixLength: number) => number

const NEWLINE = 0x0a

/** The kernel as FramerKernel.wat builds it. */
const compiled = (): FramerKernel => {
  const { exports } = new WebAssembly.Instance(
    new WebAssembly.Module(Buffer.from(FRAMER_KERNEL_WASM, "base64")),
  )
  const { memory, frame, src, lineStart } = exports
  if (
    !(memory instanceof WebAssembly.Memory) ||
    typeof frame !== "function" ||
    !(src instanceof WebAssembly.Global) ||
    !(lineStart instanceof WebAssembly.Global)
  )
    throw new Error(
      "FramerKernelWasm.ts does not export memory, frame, src and lineStart: run npm run build:wasm",
    )
  return {
    bytes: Buffer.from(memory.buffer),
    // The module's own signature (i32 × 5 → i32), which its validation checked.
    frame: frame as Frame,
    get src() {
      return Number(src.value)
    },
    get lineStart() {
      return Number(lineStart.value)
    },
    set lineStart(at: number) {
      lineStart.value = at
    },
  }
}

/**
 * The same kernel in JavaScript, a byte at a time: for where WebAssembly cannot get its memory
 * (a process limited in address space, e.g. systemd's LimitAS=, as V8 reserves guard pages
 * around it) or is turned off (--jitless). Correct all the same, and slower: 543 MiB/s of 64-byte
 * lines framed alone against the compiled kernel's 4.7 GB/s (Node 20).
 */
export class ScriptKernel implements FramerKernel {
  readonly bytes = Buffer.alloc(OUT_END)
  src = 0
  lineStart = 0

  frame(s: number, end: number, d: number, limit: number, prefixLength: number): number {
    const bytes = this.bytes
    while (s < end) {
      const byte = bytes[s++] ?? 0
      bytes[d++] = byte
      if (byte !== NEWLINE) continue
      this.lineStart = d
      bytes.copyWithin(d, PREFIX_AT, PREFIX_AT + prefixLength)
      d += prefixLength
      if (d + (end - s) > limit) break
    }
    this.src = s
    return d
  }
}

const instantiate = (): FramerKernel => {
  try {
    return compiled()
  } catch {
    return new ScriptKernel()
  }
}

let kernel: FramerKernel | undefined

export const framerKernel = (): FramerKernel => (kernel ??= instantiate())
