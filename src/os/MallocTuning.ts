// glibc's mmap threshold for the daemon. On Node 22 and later, compiling the bundle's ES modules
// leaves about 10 MiB of freed 16–64 KiB blocks (V8's parser zones) inside glibc's main heap,
// resident for good; Node 20 leaves about 1 MiB, and a CommonJS script nothing. With
// MALLOC_MMAP_THRESHOLD_=16384, blocks from 16 KiB up are mmap'd and go back to the kernel when
// freed (Node 24, 1 service: RSS 79 → 70 MiB; docs/measurements.md). glibc reads the variable only
// as the process starts, so `dockless run` sets it by re-executing itself once, before anything
// big is loaded: process.execve (Node 22.15+) keeps the pid, so systemd's main PID, NOTIFY_SOCKET
// and the open stdio stay as they were. The services never see the variable: it is taken out of
// the environment they inherit, unless the person who started Dockless set it. Whoever starts
// Dockless with the variable already set (a launcher, or qemu-user's -E in the arm64 tests, where
// the kernel cannot exec an arm64 binary and Node aborts on a failed execve) skips the re-execution.
import { isSea } from "node:sea"

export const MALLOC_VARIABLE = "MALLOC_MMAP_THRESHOLD_"
export const MALLOC_THRESHOLD = "16384"
/** Says the variable was set by the re-execution, not by the person who started Dockless. */
const MARK = "DOCKLESS_MALLOC_TUNED"

/** process.execve, which @types/node 20 does not know (Node 22.15+, 23.11+). */
const execve = (
  process as NodeJS.Process & {
    readonly execve?: (file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => never
  }
).execve

/** The Node major version that first compiles ES modules into a heap worth tuning. */
const FIRST_MAJOR = 22

const wanted = (argv: ReadonlyArray<string>) =>
  argv[2] === "run" &&
  execve !== undefined &&
  Number(process.versions.node.split(".")[0]) >= FIRST_MAJOR &&
  // A single executable's script is CommonJS, which leaves nothing behind.
  !isSea() &&
  process.env[MALLOC_VARIABLE] === undefined

/**
 * Re-executes `dockless run` with the threshold set (and does not return), or, in the process
 * so started, takes the variable out of the environment the services inherit.
 */
export const tuneMalloc = (argv: ReadonlyArray<string>): void => {
  if (process.env[MARK] === "1") {
    delete process.env[MARK]
    delete process.env[MALLOC_VARIABLE]
    return
  }
  if (!wanted(argv)) return
  execve?.call(process, process.execPath, [process.execPath, ...process.execArgv, ...argv.slice(1)], {
    ...process.env,
    [MALLOC_VARIABLE]: MALLOC_THRESHOLD,
    [MARK]: "1",
  })
}
