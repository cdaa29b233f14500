// Where an installed Dockless lives, as seen on the target system (a package manager's view):
// the bundle and dashboard in /usr/local/lib/dockless, a launcher on PATH, the config and data
// in /etc/dockless, the unit in /etc/systemd/system. `--root` only prefixes where files are
// written; everything written *into* files (the launcher, the unit) keeps these paths. A single
// executable is itself the launcher; /usr/local/lib/dockless then holds only its notify addon
// and the install templates. The Debian package uses /usr instead (debLayout), and the two
// detect each other (install/DebianPackage.ts, packaging/debian/preinst).
import { join } from "node:path"
import { nodeFlags } from "../../version.ts"

export const unitName = "dockless.service"

export const layout = {
  libDir: "/usr/local/lib/dockless",
  bundle: "/usr/local/lib/dockless/dockless.mjs",
  binDir: "/usr/local/bin",
  launcher: "/usr/local/bin/dockless",
  configDir: "/etc/dockless",
  config: "/etc/dockless/config.toml",
  configSchema: "/etc/dockless/config.schema.json",
  dataDir: "/etc/dockless/data",
  unitDir: "/etc/systemd/system",
  unit: `/etc/systemd/system/${unitName}`,
} as const

/** Where the Debian package puts Dockless (scripts/package-deb.mjs); config and data are shared. */
export const debLayout = {
  libDir: "/usr/lib/dockless",
  launcher: "/usr/bin/dockless",
  unit: `/lib/systemd/system/${unitName}`,
  statusFile: "/var/lib/dpkg/status",
  packageName: "dockless",
} as const

/** Files `scripts/build.mjs` puts in dist/ that install needs, by their name there. */
export const bundleFiles = {
  bundle: "dockless.mjs",
  unit: "dockless.service",
  defaultConfig: "config.default.toml",
  configSchema: "config.schema.json",
} as const

/**
 * What of dist/ is the bundle: install copies these and nothing else (dist/ may also hold the
 * packages `npm run package` and `npm run package:sea` built from it).
 */
export const bundleEntries: ReadonlyArray<string> = [
  "dockless.mjs",
  "dockless.mjs.map",
  "chunks",
  "static",
  "sd-notify",
  "dockless.service",
  "config.default.toml",
  "config.schema.json",
  "THIRD_PARTY_LICENSES",
]

export const launcherScript = `#!/bin/sh\nexec node ${nodeFlags.join(" ")} ${layout.bundle} "$@"\n`

/** The real location of a target path when installing into `root`. */
export const underRoot = (root: string, path: string): string => join(root, path)
