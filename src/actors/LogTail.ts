// The newest lines of a rotated log on disk (NAME.log, then NAME.log.1 .. NAME.log.K), read at
// once, for priming the in-memory ring when a service's capture starts (synchronously, in its
// constructor; requests page through the files with LogPage, asynchronously): each file is read
// backwards a chunk at a time, newest file first, until enough lines are found or MAX_TAIL_BYTES
// are read. Only whole lines are answered: a last line still being written is left out.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs"

const NEWLINE = 0x0a
const CHUNK = 64 * 1024
/** However many lines are asked for, one request reads at most about this much of the disk. */
export const MAX_TAIL_BYTES = 16 * 1024 * 1024

interface Piece {
  readonly bytes: Buffer
  readonly lines: number
}

const NOTHING: Piece = { bytes: Buffer.alloc(0), lines: 0 }

/**
 * The framed bytes of the newest `count` whole lines of `path` and its rotations, oldest first,
 * read from the last `maxBytes` of them at most.
 */
export const readTail = (path: string, keep: number, count: number, maxBytes = MAX_TAIL_BYTES): Buffer => {
  const newestFirst: Array<Buffer> = []
  let lines = 0
  let bytes = 0
  for (let i = 0; i <= keep && lines < count && bytes < maxBytes; i++) {
    const piece = tailOf(i === 0 ? path : `${path}.${i}`, count - lines, maxBytes - bytes)
    newestFirst.push(piece.bytes)
    lines += piece.lines
    bytes += piece.bytes.length
  }
  return Buffer.concat(newestFirst.reverse())
}

/** The newest `want` whole lines of one file (fewer when it holds fewer or `budget` runs out). */
const tailOf = (file: string, want: number, budget: number): Piece => {
  let fd: number
  try {
    // O_NONBLOCK: a FIFO put at the log's path must not hang the request.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch {
    return NOTHING
  }
  try {
    const stat = fstatSync(fd)
    return stat.isFile() ? scanBack(fd, stat.size, want, budget) : NOTHING
  } finally {
    closeSync(fd)
  }
}

const scanBack = (fd: number, size: number, want: number, budget: number): Piece => {
  const chunks: Array<Buffer> = []
  let from = size
  /** Just past the last newline: where the last whole line ends. */
  let end = -1
  /** Just past the earliest newline before `end` seen so far, and how many such newlines. */
  let start = -1
  let seen = 0
  while (from > 0 && seen < want && size - from < budget) {
    const length = Math.min(CHUNK, from, budget - (size - from))
    from -= length
    const chunk = readAt(fd, from, length)
    chunks.unshift(chunk)
    for (let j = chunk.length - 1; j >= 0 && seen < want; j--) {
      if (chunk[j] !== NEWLINE) continue
      if (end < 0) end = from + j + 1
      else {
        start = from + j + 1
        seen++
      }
    }
  }
  if (end < 0) return NOTHING
  // Reached the file's start before finding `want` lines: its first line counts too.
  if (from === 0 && seen < want) return slice(chunks, 0, 0, end, seen + 1)
  return start < 0 ? NOTHING : slice(chunks, from, start, end, seen)
}

const slice = (chunks: Array<Buffer>, base: number, start: number, end: number, lines: number): Piece => ({
  bytes: Buffer.concat(chunks).subarray(start - base, end - base),
  lines,
})

const readAt = (fd: number, position: number, length: number): Buffer => {
  const buffer = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done)
    if (n === 0) break
    done += n
  }
  return buffer.subarray(0, done)
}
