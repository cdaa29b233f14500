// The framing (its WebAssembly kernel and the open lines kept between chunks) against the
// plainest framing there is (a byte at a time, a prefix before each line's first byte): the edge
// cases by name, then random chunkings of random bytes at every alignment, chunks past the
// kernel's 64 KiB, and streams that take turns; and the slabs it writes into, reused only once
// the holder of what was emitted (the log file's queue) has let go of it.
import { FastCheck as fc } from "effect"
import { beforeEach, describe, expect, it } from "vitest"
import { framerKernel, ScriptKernel, type FramerKernel } from "../../src/actors/FramerKernel.ts"
import { LineFramer, MAX_LINE } from "../../src/actors/LineFramer.ts"
import type { ViewHolder } from "../../src/actors/OutputSlabs.ts"

const TS = "2026-11-28T12:00:00.123Z"
const PREFIX = `${TS} stdout `
const NEWLINE = Uint8Array.of(0x0a)

/**
 * The framing by its definition: each line gets the prefix of the chunk its first byte came in;
 * a line still open where a 64 KiB slice of a chunk ends is cut there once it has 64 KiB.
 */
const reference = (chunks: ReadonlyArray<{ bytes: Uint8Array; ts: string }>): Buffer => {
  const out: Array<Uint8Array> = []
  let open: Array<Uint8Array> | undefined
  let text = 0
  for (const { bytes, ts } of chunks) {
    const prefix = Buffer.from(`${ts} stdout `, "latin1")
    for (let from = 0; from < bytes.length; from += 64 * 1024) {
      const to = Math.min(bytes.length, from + 64 * 1024)
      for (let start = from; start < to;) {
        if (open === undefined) [open, text] = [[prefix], 0]
        const newline = bytes.indexOf(0x0a, start)
        const end = newline === -1 || newline >= to ? to : newline + 1
        open.push(bytes.subarray(start, end))
        text += end - start
        if (end === newline + 1) {
          out.push(...open)
          open = undefined
        }
        start = end
      }
      if (open !== undefined && text >= MAX_LINE) {
        out.push(...open, NEWLINE)
        open = undefined
      }
    }
  }
  return Buffer.concat(open === undefined ? out : [...out, ...open, NEWLINE])
}

/** Frames `chunks` with a LineFramer; every emitted view is copied at once, then checked unchanged at the end. */
/** The kernel the framers of a `describe` below use: the compiled one, or its JavaScript twin. */
let kernel: () => FramerKernel = framerKernel

const frame = (chunks: ReadonlyArray<{ bytes: Uint8Array; ts: string }>, holder?: ViewHolder): Buffer => {
  const framer = new LineFramer("stdout", holder, kernel)
  const views: Array<[Buffer, Buffer]> = []
  const emit = (view: Buffer) => views.push([view, Buffer.from(view)])
  for (const { bytes, ts } of chunks) framer.push(bytes, ts, emit)
  framer.end(emit)
  return Buffer.concat(views.map(([, copy]) => copy))
}

const chunksOf = (...parts: Array<string | Uint8Array>) =>
  parts.map((p) => ({ bytes: typeof p === "string" ? Buffer.from(p, "latin1") : p, ts: TS }))

/** `bytes` placed `offset` bytes into a fresh ArrayBuffer, so its words sit at any alignment. */
const at = (offset: number, bytes: Uint8Array): Uint8Array => {
  const backing = new Uint8Array(offset + bytes.length + 3)
  backing.set(bytes, offset)
  return backing.subarray(offset, offset + bytes.length)
}

/** Buffer equality that stays fast on megabytes, and says where two buffers part. */
const expectSame = (actual: Buffer, expected: Buffer) => {
  if (actual.equals(expected)) return
  let at = 0
  while (actual[at] === expected[at]) at++
  const around = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 40), at + 40).toString("latin1"))
  expect(`${around(actual)} (${actual.length} bytes)`).toBe(`${around(expected)} (${expected.length} bytes)`)
}

const lines = (framed: Buffer) => framed.toString("latin1").split("\n").slice(0, -1)

const script = new ScriptKernel()

describe.each([
  { name: "WebAssembly", use: framerKernel },
  { name: "JavaScript", use: () => script },
])("LineFramer on the $name kernel", ({ use }) => {
  beforeEach(() => {
    kernel = use
  })

  it("prefixes each line and keeps a partial line for the next chunk", () => {
    const chunks = chunksOf("one\ntw", "o\nthree", " and more\n")
    expect(lines(frame(chunks))).toEqual([`${PREFIX}one`, `${PREFIX}two`, `${PREFIX}three and more`])
  })

  it("stamps a line with the time of the chunk its first byte came in", () => {
    const later = "2026-11-28T12:00:01.000Z"
    const framed = frame([
      { bytes: Buffer.from("first half "), ts: TS },
      { bytes: Buffer.from("second half\nnext\n"), ts: later },
    ])
    expect(lines(framed)).toEqual([`${PREFIX}first half second half`, `${later} stdout next`])
  })

  it("ends a partial last line with a newline when the stream ends", () => {
    expect(lines(frame(chunksOf("no newline at the end")))).toEqual([`${PREFIX}no newline at the end`])
  })

  it("frames lines that end exactly where a chunk ends, and empty lines", () => {
    const chunks = chunksOf("a\n", "\n", "bb\n\n\n", "ccc\n")
    expect(lines(frame(chunks))).toEqual([
      `${PREFIX}a`,
      PREFIX,
      `${PREFIX}bb`,
      PREFIX,
      PREFIX,
      `${PREFIX}ccc`,
    ])
  })

  it("keeps CRLF, binary and invalid UTF-8 bytes as they are", () => {
    const binary = Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0d, 0x0a, 0x80, 0x0a])
    const chunks = chunksOf("dos line\r\n", binary)
    expectSame(frame(chunks), reference(chunks))
    expect(frame(chunks).includes(Buffer.from("dos line\r\n"))).toBe(true)
  })

  it("cuts a 1 MiB line into pieces of at least 64 KiB, losing no byte", () => {
    const line = Buffer.alloc(1024 * 1024, "x")
    const chunks = chunksOf(line.subarray(0, 300_000), line.subarray(300_000), "\nafter\n")
    const framed = frame(chunks)
    expectSame(framed, reference(chunks))
    const pieces = lines(framed)
    expect(pieces.at(-1)).toBe(`${PREFIX}after`)
    const texts = pieces.slice(0, -1).map((p) => p.slice(PREFIX.length))
    expect(texts.join("")).toBe(line.toString())
    expect(texts.slice(0, -1).every((t) => t.length >= MAX_LINE)).toBe(true)
  })

  it("frames a chunk of nothing but newlines (33 times its size) across several slabs", () => {
    const chunks = chunksOf(Buffer.alloc(200_000, "\n"))
    const framed = frame(chunks)
    expect(framed.length).toBe(200_000 * (PREFIX.length + 1))
    expectSame(framed, reference(chunks))
  })

  it("frames lines whose prefix is not 32 bytes (a year past 9999)", () => {
    const chunks = [{ bytes: Buffer.from("one\ntwo\nthree"), ts: "+010000-01-01T00:00:00.000Z" }]
    expect(lines(frame(chunks))).toEqual([
      "+010000-01-01T00:00:00.000Z stdout one",
      "+010000-01-01T00:00:00.000Z stdout two",
      "+010000-01-01T00:00:00.000Z stdout three",
    ])
  })

  it("matches the reference for any bytes, chunked anyhow, at any alignment", () => {
    const byte = fc.oneof(fc.constant(0x0a), fc.integer({ min: 0, max: 255 }))
    const chunk = fc.record({
      offset: fc.integer({ min: 0, max: 7 }),
      bytes: fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(byte, { maxLength: 300 }).map((b) => Uint8Array.from(b)),
        fc.integer({ min: 1, max: 200 }).map((n) => Buffer.from("line of text\n".repeat(n))),
      ),
    })
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 12 }), (drawn) => {
        const chunks = drawn.map(({ offset, bytes }) => ({ bytes: at(offset, bytes), ts: TS }))
        expectSame(frame(chunks), reference(chunks))
      }),
      { numRuns: 300 },
    )
  })

  it("matches the reference for chunks longer than the kernel takes at once, lines of any length", () => {
    const line = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 60_000, max: 140_000 }))
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: 1, maxLength: 8 }),
        (lengths, cuts) => {
          const text = Buffer.concat(lengths.map((n) => Buffer.concat([Buffer.alloc(n, "y"), NEWLINE])))
          const chunks: Array<{ bytes: Uint8Array; ts: string }> = []
          for (let from = 0, i = 0; from < text.length; i++) {
            const to = Math.min(text.length, from + (cuts[i % cuts.length] ?? 1))
            chunks.push({ bytes: text.subarray(from, to), ts: TS })
            from = to
          }
          expectSame(frame(chunks), reference(chunks))
        },
      ),
      { numRuns: 40 },
    )
  })

  it("keeps each stream's open line its own while streams take turns", () => {
    const out = new LineFramer("stdout", undefined, kernel)
    const err = new LineFramer("stderr", undefined, kernel)
    const framed: Array<string> = []
    const emit = (view: Buffer) => framed.push(view.toString("latin1"))
    out.push(Buffer.from("out one\nout t"), TS, emit)
    err.push(Buffer.from("err o"), TS, emit)
    out.push(Buffer.from("wo\n"), TS, emit)
    err.push(Buffer.from("ne\nerr two"), TS, emit)
    err.end(emit)
    out.end(emit)
    expect(framed.join("").split("\n").slice(0, -1)).toEqual([
      `${TS} stdout out one`,
      `${TS} stdout out two`,
      `${TS} stderr err one`,
      `${TS} stderr err two`,
    ])
  })

  it("never writes over a view its holder has not let go of, and reuses what it has", () => {
    let taken = 0
    let released = 0
    const holder: ViewHolder = {
      get taken() {
        return taken
      },
      get released() {
        return released
      },
    }
    const framer = new LineFramer("stdout", holder, kernel)
    const held: Array<[Buffer, Buffer]> = []
    const slabs = new Set<ArrayBufferLike>()
    const emit = (view: Buffer) => {
      taken += view.length
      held.push([view, Buffer.from(view)])
      slabs.add(view.buffer)
    }
    const chunk = Buffer.from(
      "firehose line: the quick brown fox jumps over the lazy dog 0123\n".repeat(1024),
    )
    for (let i = 0; i < 400; i++) {
      framer.push(chunk, TS, emit)
      // The holder writes what it holds with a lag of about 1 MiB, as the log file's queue does.
      while (held.length > 10) {
        const [view, copy] = held.shift() ?? []
        expect(view?.equals(copy ?? Buffer.alloc(0))).toBe(true)
        released += view?.length ?? 0
      }
    }
    for (const [view, copy] of held) expect(view.equals(copy)).toBe(true)
    // 40 MiB of output went through a handful of slabs, not 40.
    expect(slabs.size).toBeLessThanOrEqual(6)
  })
})
