// Where an installed Dockless lives, as seen on the target system (a package manager's view):
// the bundle and dashboard in /usr/local/lib/dockless, a launcher on PATH, the config and data
// in /etc/dockless, the unit in /etc/systemd/system. `--root` only prefixes where files are
// written; everything written *into* files (the launcher, the unit) keeps these paths.
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

/** Files `scripts/build.mjs` puts in dist/ that install needs, by their name there. */
export const bundleFiles = {
  bundle: "dockless.mjs",
  unit: "dockless.service",
  defaultConfig: "config.default.toml",
  configSchema: "config.schema.json",
} as const

export const launcherScript = `#!/bin/sh\nexec node ${nodeFlags.join(" ")} ${layout.bundle} "$@"\n`

/** The real location of a target path when installing into `root`. */
export const underRoot = (root: string, path: string): string => join(root, path)
