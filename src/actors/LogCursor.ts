// A place in a service's log that survives rotation, for GET …/logs?before=CURSOR: the inode of
// one of its files and the byte offset where a line starts in it, written `INODE:OFFSET`.
// Rotation renames NAME.log to NAME.log.1 and so on; a rename keeps the inode, so the cursor
// names the same bytes afterwards. Once rotation removes that file (past `keep`), it is stale.
export interface LogCursor {
  /** Decimal, as an inode may not fit a double. */
  readonly ino: string
  readonly offset: number
}

const FORM = /^(\d{1,20}):(\d{1,15})$/

export const formatCursor = (cursor: LogCursor): string => `${cursor.ino}:${cursor.offset}`

/** The cursor written in `text`, or undefined when it is not one. */
export const parseCursor = (text: string): LogCursor | undefined => {
  const match = FORM.exec(text)
  if (match?.[1] === undefined || match[2] === undefined) return undefined
  return { ino: BigInt(match[1]).toString(), offset: Number(match[2]) }
}
