// Real mounts for the disk-fault tests (a read-only bind mount, a tiny tmpfs). Tests need root;
// where mounting is not permitted, `mount` returns the reason so the test can skip saying so.
// Everything mounted is unmounted by `unmountAll` (lazily if something still holds it open).
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"

const mounted: Array<string> = []

const run = (args: ReadonlyArray<string>): string | undefined => {
  try {
    execFileSync("mount", args, { stdio: ["ignore", "ignore", "pipe"] })
    return undefined
  } catch (error) {
    const stderr = error instanceof Error && "stderr" in error ? String(error.stderr).trim() : ""
    return stderr === "" ? String(error) : stderr
  }
}

/** Mounts a tmpfs of `size` (e.g. "256k") on `dir`; the reason when not permitted. */
export const mountTmpfs = (dir: string, size: string): string | undefined => {
  const failed = run(["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir])
  if (failed === undefined) mounted.push(dir)
  return failed
}

const isMountPoint = (dir: string): boolean =>
  readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === dir)

/**
 * Binds `dir` onto itself read-only; the reason when not permitted. `mount --bind -o ro` binds,
 * then remounts read-only; a file opened for writing through the new mount in between makes
 * that remount busy until it is closed, so it is tried again for a while (asynchronously: the
 * writer must go on).
 */
export const mountReadOnly = async (dir: string): Promise<string | undefined> => {
  const failed = run(["--bind", "-o", "ro", dir, dir])
  if (isMountPoint(dir)) mounted.push(dir)
  if (failed === undefined || !mounted.includes(dir)) return failed
  const deadline = Date.now() + 5000
  for (;;) {
    const busy = run(["-o", "remount,ro,bind", dir])
    if (busy === undefined || Date.now() > deadline) return busy
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const unmount = (dir: string): void => {
  const at = mounted.lastIndexOf(dir)
  if (at === -1) return
  mounted.splice(at, 1)
  try {
    execFileSync("umount", [dir], { stdio: "ignore" })
  } catch {
    execFileSync("umount", ["-l", dir], { stdio: "ignore" })
  }
}

/** Unmounts everything mounted here, newest first. */
export const unmountAll = (): void => {
  for (const dir of [...mounted].reverse()) unmount(dir)
}
