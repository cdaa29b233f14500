// What a failed system call means, in words a person reads: "no space left on device (ENOSPC)".
// Node's own messages ("ENOSPC: no space left on device, write") lead with the code and end
// with the syscall; a service's view and Dockless's log want the cause first.
import { getSystemErrorMap } from "node:util"

/** The errno name of a failed system call ("ENOSPC"), or "" for anything else. */
export const errnoCode = (cause: unknown): string =>
  cause instanceof Error && "code" in cause && typeof cause.code === "string" ? cause.code : ""

/** "no space left on device (ENOSPC)"; the error's own message when it carries no errno. */
export const systemErrorReason = (cause: unknown): string => {
  const errno =
    cause instanceof Error && "errno" in cause && typeof cause.errno === "number" ? cause.errno : 0
  const known = errno === 0 ? undefined : getSystemErrorMap().get(errno)
  if (known !== undefined) return `${known[1]} (${known[0]})`
  return cause instanceof Error ? cause.message : String(cause)
}
