// A service's log on disk read as one sequence: NAME.log.K (oldest) … NAME.log.1, NAME.log. Every
// file is opened at once, newest first, so a rotation while a request reads them moves nothing
// under it: an open file keeps its bytes, renamed or not. Opening newest first and skipping an
// inode seen already means a rotation between two opens neither hides a file nor shows one twice.
// Only whole lines are read: the end of the current file, still being written, is left out.
import { constants } from "node:fs"
import { open, type FileHandle } from "node:fs/promises"
import { errnoCode } from "../os/SystemError.ts"
import { formatCursor, parseCursor } from "./LogCursor.ts"
import { LogCursorStale } from "./LogErrors.ts"

const NEWLINE = 0x0a
/** A framed line is at most LineFramer's MAX_LINE plus its prefix: its end is within this much. */
const LAST_LINE_WINDOW = 80 * 1024
const STREAM_CHUNK = 64 * 1024

export interface ArchivedFile {
  readonly handle: FileHandle
  readonly ino: string
  /** Where its last whole line ends, when opened. */
  readonly size: number
}

/** A place in the archive: a file (0 is the current one) and a byte offset in it. */
export interface ArchivePosition {
  readonly file: number
  readonly offset: number
}

export class LogArchive {
  private closing: Promise<void> | undefined

  private constructor(
    /** Newest first: the current file (when there is one), then .1, .2 … */
    readonly files: ReadonlyArray<ArchivedFile>,
  ) {}

  /** Opens `path` and its rotations; missing ones are skipped, an unreadable one is an error. */
  static async open(path: string, keep: number): Promise<LogArchive> {
    const files: Array<ArchivedFile> = []
    try {
      for (let i = 0; i <= keep; i++) {
        const file = await openFile(i === 0 ? path : `${path}.${i}`, i === 0)
        if (file === undefined) continue
        if (files.some((f) => f.ino === file.ino)) await file.handle.close()
        else files.push(file)
      }
    } catch (cause) {
      await Promise.all(files.map((f) => f.handle.close()))
      throw cause
    }
    return new LogArchive(files)
  }

  /** Closes every file; again is a no-op. */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.files.map((f) => f.handle.close())).then(() => undefined)
    return this.closing
  }

  /** Just past the newest whole line. */
  get end(): ArchivePosition {
    return { file: 0, offset: this.files[0]?.size ?? 0 }
  }

  /** Where `text` points, or why it points nowhere any more. */
  async resolve(text: string): Promise<ArchivePosition | LogCursorStale> {
    const cursor = parseCursor(text)
    const file = cursor === undefined ? -1 : this.files.findIndex((f) => f.ino === cursor.ino)
    const found = this.files[file]
    if (cursor === undefined || found === undefined)
      return new LogCursorStale({
        cursor: text,
        why: "points into a log file that is gone (rotated away past `keep`, or removed)",
      })
    if (cursor.offset > found.size || !(await this.startsLine(found, cursor.offset)))
      return new LogCursorStale({
        cursor: text,
        why: "does not point at the start of a line of this log (its file was changed by hand)",
      })
    return { file, offset: cursor.offset }
  }

  /** The cursor for `position`, or undefined when nothing is older than it. */
  cursorBefore(position: ArchivePosition): string | undefined {
    const file = this.files[position.file]
    if (file === undefined) return undefined
    if (position.offset === 0 && position.file === this.files.length - 1) return undefined
    return formatCursor({ ino: file.ino, offset: position.offset })
  }

  /**
   * Every whole line, oldest file first, as a stream that reads a chunk when its reader wants
   * one and closes the files at its end (or when the reader goes away).
   */
  readable(): ReadableStream<Uint8Array> {
    const oldestFirst = [...this.files].reverse()
    let file = 0
    let position = 0
    /** The next chunk, or undefined after the last one. */
    const nextChunk = async (): Promise<Buffer | undefined> => {
      for (let found = oldestFirst[file]; found !== undefined; found = oldestFirst[++file], position = 0) {
        const length = Math.min(STREAM_CHUNK, found.size - position)
        if (length <= 0) continue
        const bytes = await readAt(found.handle, position, length)
        position += bytes.length
        // A rotated file is never shortened; one cut by hand ends early and the next one follows.
        if (bytes.length < length) position = found.size
        if (bytes.length > 0) return bytes
      }
      return undefined
    }
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const bytes = await nextChunk().catch(async (cause: unknown) => {
            await this.close()
            throw cause
          })
          if (bytes !== undefined) return controller.enqueue(bytes)
          await this.close()
          controller.close()
        },
        cancel: () => this.close(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: STREAM_CHUNK }),
    )
  }

  /** Up to `length` bytes of file `file` from `position`. */
  async read(file: number, position: number, length: number): Promise<Buffer> {
    const found = this.files[file]
    if (found === undefined || length <= 0) return Buffer.alloc(0)
    return readAt(found.handle, position, length)
  }

  private async startsLine(file: ArchivedFile, offset: number): Promise<boolean> {
    if (offset === 0) return true
    const before = await readAt(file.handle, offset - 1, 1)
    return before[0] === NEWLINE
  }
}

/**
 * One file, or undefined when it is not there (or is not a regular file). The current one may
 * end in a line being written: its size is taken where its last whole line ends.
 */
const openFile = async (path: string, current: boolean): Promise<ArchivedFile | undefined> => {
  let handle: FileHandle
  try {
    // O_NONBLOCK: a FIFO put at the log's path must not hang the request.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (cause) {
    if (errnoCode(cause) === "ENOENT") return undefined
    throw cause
  }
  try {
    const stat = await handle.stat({ bigint: true })
    if (!stat.isFile()) {
      await handle.close()
      return undefined
    }
    const size = Number(stat.size)
    return { handle, ino: stat.ino.toString(), size: current ? await wholeEnd(handle, size) : size }
  } catch (cause) {
    await handle.close()
    throw cause
  }
}

/**
 * Just past the last newline at or before `size`. With none near the end the file does not hold
 * framed lines (Dockless never writes one that long): it is taken whole.
 */
const wholeEnd = async (handle: FileHandle, size: number): Promise<number> => {
  const from = Math.max(0, size - LAST_LINE_WINDOW)
  const last = (await readAt(handle, from, size - from)).lastIndexOf(NEWLINE)
  if (last >= 0) return from + last + 1
  return from === 0 ? 0 : size
}

const readAt = async (handle: FileHandle, position: number, length: number): Promise<Buffer> => {
  const buffer = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return buffer.subarray(0, done)
}
