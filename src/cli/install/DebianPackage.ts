// Whether the Debian package `dockless` is on the target (dpkg's status file, read directly so
// it works under --root and without dpkg), so that `dockless install` and the .deb never fight
// over dockless.service: install refuses while the package is installed and says what to do.
// The package's own preinst refuses the other way round (packaging/debian/preinst).
import { Effect } from "effect"
import { readFileState } from "./Files.ts"
import type { InstallError } from "./InstallError.ts"
import { debLayout, underRoot } from "./Layout.ts"

/** "installed" (or half-installed, unpacked…), "config-files" (removed, not purged), or "absent". */
export type PackageState = "installed" | "config-files" | "absent"

/** The state of `name` in the text of /var/lib/dpkg/status. */
export const packageState = (status: string, name: string = debLayout.packageName): PackageState => {
  for (const stanza of status.split(/\n\s*\n/)) {
    if (!new RegExp(`^Package: ${name}$`, "m").test(stanza)) continue
    // "Status: install ok installed": want, error flag, state.
    const state = /^Status: \S+ \S+ (\S+)$/m.exec(stanza)?.[1]
    if (state === undefined || state === "not-installed") return "absent"
    return state === "config-files" ? "config-files" : "installed"
  }
  return "absent"
}

export const debianPackageState = (root: string): Effect.Effect<PackageState, InstallError> =>
  readFileState(underRoot(root, debLayout.statusFile)).pipe(
    Effect.map((file) =>
      file === undefined ? "absent" : packageState(new TextDecoder().decode(file.content)),
    ),
  )

/** Why install cannot go on while the package is installed, and what to do instead. */
export const packageInstalledReason =
  `the Debian package ${debLayout.packageName} is installed (it runs ${debLayout.launcher} as ` +
  `${debLayout.unit}); a second Dockless from \`dockless install\` would fight it for the unit and ` +
  "the port. Upgrade it with `sudo apt install ./dockless_VERSION_ARCH.deb`, or remove it first " +
  "with `sudo apt remove dockless` (your config and data in /etc/dockless stay) and run this again"

export const packageUninstallReason =
  `this Dockless was installed by the Debian package ${debLayout.packageName}: remove it with ` +
  "`sudo apt remove dockless` (keeps /etc/dockless) or `sudo apt purge dockless` (removes it too)"

export const packageLeftConfigAdvice =
  "the removed Debian package dockless left its config here (/etc/dockless): this install uses it; " +
  "`sudo apt purge dockless` would now delete it, so take it away with `dockless uninstall --purge` instead"
