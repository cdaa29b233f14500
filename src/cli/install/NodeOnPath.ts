// systemd starts /usr/local/bin/dockless with its own PATH, not the installing user's, so a
// Node from nvm in ~/.nvm is invisible to it. Before installing into "/", find the node the
// launcher will run there and check it is new enough, so the service does not crash-loop
// after `systemctl enable --now` with "node: not found" or a syntax error from an old Node.
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { access, constants } from "node:fs/promises"
import { join } from "node:path"
import { InstallError } from "./InstallError.ts"

/** The PATH systemd gives system services. */
export const systemdPath: ReadonlyArray<string> = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
]
export const minimumNode: readonly [number, number] = [20, 19]

const step = "find the node that systemd will run"
const fix =
  "install Node 22 LTS system-wide (NodeSource's apt repository, see docs/install.md), " +
  'or link the one you use: sudo ln -sf "$(command -v node)" /usr/local/bin/node'

const firstExecutable = (dirs: ReadonlyArray<string>) =>
  Effect.promise(async () => {
    for (const dir of dirs) {
      const candidate = join(dir, "node")
      if (
        await access(candidate, constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return candidate
    }
    return undefined
  })

const versionOf = (node: string) =>
  Effect.async<string, InstallError>((resume) => {
    const child = execFile(node, ["-p", "process.versions.node"], (error, stdout) =>
      resume(
        error === null
          ? Effect.succeed(stdout.trim())
          : Effect.fail(
              new InstallError({
                step,
                reason: `${node} -p process.versions.node failed (${error.message}); ${fix}`,
              }),
            ),
      ),
    )
    return Effect.sync(() => child.kill())
  })

const isRecentEnough = (version: string): boolean => {
  const [major = 0, minor = 0] = version.split(".").map(Number)
  return major > minimumNode[0] || (major === minimumNode[0] && minor >= minimumNode[1])
}

export interface FoundNode {
  readonly path: string
  readonly version: string
}

/** The node systemd will run, or an InstallError saying how to get a suitable one. */
export const nodeForSystemd = (
  dirs: ReadonlyArray<string> = systemdPath,
): Effect.Effect<FoundNode, InstallError> =>
  Effect.gen(function* () {
    const node = yield* firstExecutable(dirs)
    if (node === undefined)
      return yield* new InstallError({
        step,
        reason: `there is no node in ${dirs.join(":")}, the PATH systemd gives dockless.service, so it could not start; ${fix}`,
      })
    const version = yield* versionOf(node)
    if (!isRecentEnough(version))
      return yield* new InstallError({
        step,
        reason: `${node} is Node ${version}, but dockless needs Node ${minimumNode.join(".")} or newer; ${fix}`,
      })
    return { path: node, version }
  })
