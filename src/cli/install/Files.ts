// The file-system side of install: read what is already there, and carry out the plan's file
// actions. Writes are atomic (temp file beside the target, fsync, chmod, rename), so a power cut
// mid-install leaves the old file or the new one; modes are set explicitly, whatever the umask.
// (state/AtomicFile.ts writes text with umask-dependent modes; install needs bytes and exact modes.)
import { Effect } from "effect"
import { chmod, lstat, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises"
import { basename, dirname, join, relative, resolve } from "node:path"
import { fsFailure, type InstallError } from "./InstallError.ts"
import type { FileState } from "./Plan.ts"

const isMissing = (cause: unknown): boolean =>
  cause instanceof Error && "code" in cause && (cause.code === "ENOENT" || cause.code === "ENOTDIR")

/** Runs a read; "nothing there" (ENOENT, ENOTDIR) gives `absent` instead of an error. */
const unlessMissing = <A, B>(read: () => Promise<A>, absent: B): Promise<A | B> =>
  read().catch((cause: unknown) => {
    if (isMissing(cause)) return absent
    throw cause
  })

const modeBits = (mode: number): number => mode & 0o7777

/** A regular file's content and mode, or undefined when nothing is there. */
export const readFileState = (path: string): Effect.Effect<FileState | undefined, InstallError> =>
  Effect.tryPromise({
    try: () =>
      unlessMissing(async () => {
        const info = await stat(path)
        return { content: await readFile(path), mode: modeBits(info.mode) }
      }, undefined),
    catch: fsFailure(`read ${path}`, path),
  })

/** A directory's mode, or undefined when it does not exist. */
export const readDirMode = (path: string): Effect.Effect<number | undefined, InstallError> =>
  Effect.tryPromise({
    try: () =>
      unlessMissing(async () => {
        const info = await stat(path)
        return info.isDirectory() ? modeBits(info.mode) : undefined
      }, undefined),
    catch: fsFailure(`read ${path}`, path),
  })

/** Whether anything (file, directory, dangling link) exists at path. */
export const exists = (path: string): Effect.Effect<boolean, InstallError> =>
  Effect.tryPromise({
    try: () => unlessMissing(() => lstat(path).then(() => true), false),
    catch: fsFailure(`read ${path}`, path),
  })

export interface Tree {
  /** Relative paths of every regular file (symlinks followed), sorted. */
  readonly files: ReadonlyArray<string>
  /** Relative paths of every directory below the top, sorted. */
  readonly dirs: ReadonlyArray<string>
}

/** Everything below `top`; an absent top is an empty tree. */
export const listTree = (top: string): Effect.Effect<Tree, InstallError> =>
  Effect.tryPromise({
    try: async () => {
      const base = resolve(top)
      const entries = await unlessMissing(() => readdir(base, { recursive: true, withFileTypes: true }), [])
      const files: Array<string> = []
      const dirs: Array<string> = []
      for (const entry of entries) {
        const path = join(entry.parentPath, entry.name)
        const info = entry.isSymbolicLink() ? await unlessMissing(() => stat(path), undefined) : entry
        if (info?.isDirectory()) dirs.push(relative(base, path))
        else if (info?.isFile()) files.push(relative(base, path))
      }
      return { files: files.sort(), dirs: dirs.sort() }
    },
    catch: fsFailure(`list ${top}`, top),
  })

export const readBytes = (path: string) =>
  Effect.tryPromise({ try: () => readFile(path), catch: fsFailure(`read ${path}`, path) })

export const writeFileAtomic = (path: string, content: Uint8Array, mode: number) =>
  Effect.tryPromise({
    try: async () => {
      const temp = join(dirname(path), `.${basename(path)}.dockless-${process.pid}.tmp`)
      try {
        const handle = await open(temp, "w", mode)
        try {
          await handle.writeFile(content)
          await handle.chmod(mode)
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temp, path)
      } catch (cause) {
        await rm(temp, { force: true })
        throw cause
      }
    },
    catch: fsFailure(`write ${path}`, path),
  })

export const makeDir = (path: string, mode: number) =>
  Effect.tryPromise({
    try: async () => {
      await mkdir(path, { recursive: true, mode })
      await chmod(path, mode)
    },
    catch: fsFailure(`create ${path}`, path),
  })

export const setMode = (path: string, mode: number) =>
  Effect.tryPromise({ try: () => chmod(path, mode), catch: fsFailure(`set the mode of ${path}`, path) })

export const remove = (path: string) =>
  Effect.tryPromise({
    try: () => rm(path, { recursive: true, force: true }),
    catch: fsFailure(`remove ${path}`, path),
  })
