// Talking to systemd during install: whether it manages this host (sd_booted's test, the
// directory /run/systemd/system), whether it holds dockless.service as failed, and running
// systemctl. A failed systemctl becomes an InstallError that says what systemd said and where to
// look next.
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { InstallError } from "./InstallError.ts"
import { exists } from "./Files.ts"
import { unitName } from "./Layout.ts"
import type { SystemdState } from "./Plan.ts"

/** "staged" when installing under another root: that system's systemd is not ours to drive. */
export const systemdState = (root: string): Effect.Effect<SystemdState, InstallError> =>
  root === "/"
    ? exists("/run/systemd/system").pipe(Effect.map((booted) => (booted ? "running" : "absent")))
    : Effect.succeed("staged")

/** Whether systemd holds dockless.service as failed (`systemctl is-failed` exits 0 only then). */
export const unitFailed: Effect.Effect<boolean> = Effect.async<boolean>((resume) => {
  const child = execFile("systemctl", ["is-failed", "--quiet", unitName], (error) =>
    resume(Effect.succeed(error === null)),
  )
  return Effect.sync(() => child.kill())
})

export const systemctl = (args: ReadonlyArray<string>): Effect.Effect<void, InstallError> =>
  Effect.async<void, InstallError>((resume) => {
    const step = `systemctl ${args.join(" ")}`
    const child = execFile("systemctl", [...args], (error, _stdout, stderr) => {
      if (error === null) return resume(Effect.void)
      const said = stderr.trim() || error.message
      resume(
        Effect.fail(
          new InstallError({
            step,
            reason:
              error.code === "ENOENT"
                ? "systemctl was not found although /run/systemd/system exists; run the step yourself once it is available"
                : `${said}. See \`systemctl status dockless\` and \`journalctl -u dockless\` for why`,
          }),
        ),
      )
    })
    return Effect.sync(() => child.kill())
  })
