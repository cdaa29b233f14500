// The one error `dockless install` and `uninstall` fail with: which step failed and a sentence
// a person can act on. File-system failures are turned into such sentences here, by errno, so
// every step reports "permission denied" or "disk full" the same way.
import { Data } from "effect"

export class InstallError extends Data.TaggedError("InstallError")<{
  readonly step: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.step} failed: ${this.reason}`
  }
}

const errnoOf = (cause: unknown): string | undefined =>
  cause instanceof Error && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

/** What went wrong with `path`, and what to do about it. */
export const fsReason = (path: string, cause: unknown): string => {
  switch (errnoOf(cause)) {
    case "EACCES":
    case "EPERM":
      return `permission denied on ${path}; run it as root (sudo), or pass --root DIR to use a directory you own`
    case "EROFS":
      return `${path} is on a read-only file system; remount it read-write or pass --root DIR`
    case "ENOSPC":
      return `no space left on the device holding ${path}; free some space and run it again`
    case "ENOTDIR":
      return `a file stands where a directory is needed in ${path}; move it away and run it again`
    case "EISDIR":
      return `${path} is a directory where a file is needed; move it away and run it again`
    case "ENOENT":
      return `${path} does not exist`
    default:
      return `${path}: ${cause instanceof Error ? cause.message : String(cause)}`
  }
}

export const fsFailure =
  (step: string, path: string) =>
  (cause: unknown): InstallError =>
    new InstallError({ step, reason: fsReason(path, cause) })
