// The pure core of install and uninstall: from what the bundle holds and what the target
// already has, the list of actions to take, in order (like s6's state × event → actions).
// Identical files become Unchanged, an existing config is Kept, so a second run changes
// nothing; dry run prints the same plan without carrying it out. Paths are target paths.
import { Data } from "effect"
import { dirname } from "node:path"
import { bundleFiles, launcherScript, layout, underRoot, unitName } from "./Layout.ts"

export type Action = Data.TaggedEnum<{
  CreateDir: { readonly path: string; readonly mode: number }
  SetMode: { readonly path: string; readonly mode: number }
  WriteFile: { readonly path: string; readonly content: Uint8Array; readonly mode: number }
  Unchanged: { readonly path: string }
  Kept: { readonly path: string; readonly why: string }
  Remove: { readonly path: string }
  AlreadyAbsent: { readonly path: string }
  Systemctl: { readonly args: ReadonlyArray<string> }
  Advice: { readonly text: string }
}>
export const Action = Data.taggedEnum<Action>()

export interface FileState {
  readonly content: Uint8Array
  readonly mode: number
}

/** "running": install into "/" on a host booted with systemd; "absent": "/" without it; "staged": --root elsewhere. */
export type SystemdState = "running" | "absent" | "staged"

export interface InstallInputs {
  /** Every file of the bundle dir, by its path relative to it. */
  readonly bundle: ReadonlyMap<string, Uint8Array>
  /** Existing files the install may touch (launcher, config, unit, everything under libDir), by target path. */
  readonly files: ReadonlyMap<string, FileState>
  /** Existing directories the install may touch (the fixed ones and everything under libDir), with their mode. */
  readonly dirs: ReadonlyMap<string, number>
  readonly systemd: SystemdState
  /** What goes to /usr/local/bin/dockless: the single executable itself; default the launcher script. */
  readonly launcher?: Uint8Array
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && Buffer.compare(a, b) === 0

const placeFile = (
  path: string,
  content: Uint8Array,
  mode: number,
  files: InstallInputs["files"],
): Action => {
  const current = files.get(path)
  if (current === undefined || !sameBytes(current.content, content))
    return Action.WriteFile({ path, content, mode })
  return current.mode === mode ? Action.Unchanged({ path }) : Action.SetMode({ path, mode })
}

const libPath = (relative: string): string => `${layout.libDir}/${relative}`
const isUnder = (dir: string, path: string): boolean => path.startsWith(`${dir}/`)

/** Directories a file set needs, parents first. */
const parentDirs = (paths: ReadonlyArray<string>, stopAt: string): ReadonlyArray<string> => {
  const dirs = new Set<string>()
  for (const path of paths)
    for (let dir = dirname(path); isUnder(stopAt, dir); dir = dirname(dir)) dirs.add(dir)
  return [...dirs].sort()
}

export const planInstall = (inputs: InstallInputs): ReadonlyArray<Action> => {
  const { bundle, files, dirs, systemd } = inputs
  const launcher = inputs.launcher ?? new TextEncoder().encode(launcherScript)
  const fromBundle = (name: string): Uint8Array => bundle.get(name) ?? new Uint8Array()
  const libFiles = [...bundle.keys()].map(libPath)
  const wanted = new Set(libFiles)
  const wantedDirs = parentDirs(libFiles, layout.libDir)
  const actions: Array<Action> = []

  // Our own directories get their mode fixed; shared ones (/usr/local/bin is 2775 root:staff on
  // Debian) are only created when missing, never touched otherwise.
  const ensureDir = (path: string, mode: number, ours: boolean) => {
    const current = dirs.get(path)
    if (current === undefined) actions.push(Action.CreateDir({ path, mode }))
    else if (ours && current !== mode) actions.push(Action.SetMode({ path, mode }))
  }

  // The bundle and dashboard, replacing whatever an older version left in libDir.
  ensureDir(layout.libDir, 0o755, true)
  for (const dir of wantedDirs) ensureDir(dir, 0o755, true)
  for (const [name, content] of [...bundle].sort(([a], [b]) => a.localeCompare(b)))
    actions.push(placeFile(libPath(name), content, name === bundleFiles.bundle ? 0o755 : 0o644, files))
  const staleDirs = [...dirs.keys()]
    .filter((d) => isUnder(layout.libDir, d) && !wantedDirs.includes(d))
    .sort()
  const isInStaleDir = (path: string) => staleDirs.some((d) => isUnder(d, path))
  for (const dir of staleDirs.filter((d) => !isInStaleDir(d))) actions.push(Action.Remove({ path: dir }))
  for (const path of [...files.keys()].sort())
    if (isUnder(layout.libDir, path) && !wanted.has(path) && !isInStaleDir(path))
      actions.push(Action.Remove({ path }))

  // The launcher on PATH.
  ensureDir(layout.binDir, 0o755, false)
  actions.push(placeFile(layout.launcher, launcher, 0o755, files))

  // Config (written once, never overwritten), its JSON Schema (always this version's: the
  // config's `#:schema` line points at it), and the data dir (private: it holds the API token).
  ensureDir(layout.configDir, 0o755, false)
  actions.push(
    files.has(layout.config)
      ? Action.Kept({ path: layout.config, why: "an existing config is never overwritten" })
      : Action.WriteFile({
          path: layout.config,
          content: fromBundle(bundleFiles.defaultConfig),
          mode: 0o644,
        }),
  )
  actions.push(placeFile(layout.configSchema, fromBundle(bundleFiles.configSchema), 0o644, files))
  const dataDirMode = dirs.get(layout.dataDir)
  actions.push(
    dataDirMode === undefined
      ? Action.CreateDir({ path: layout.dataDir, mode: 0o700 })
      : dataDirMode === 0o700
        ? Action.Unchanged({ path: layout.dataDir })
        : Action.SetMode({ path: layout.dataDir, mode: 0o700 }),
  )

  // The unit, then systemd.
  ensureDir(layout.unitDir, 0o755, false)
  actions.push(placeFile(layout.unit, fromBundle(bundleFiles.unit), 0o644, files))
  const codeChanged = actions.some(
    (a) =>
      (a._tag === "WriteFile" || a._tag === "Remove") &&
      (isUnder(layout.libDir, a.path) || a.path === layout.launcher || a.path === layout.unit),
  )
  switch (systemd) {
    case "running":
      actions.push(Action.Systemctl({ args: ["daemon-reload"] }))
      // A dockless already running keeps the old code until restarted; one not running is started below.
      if (codeChanged && files.has(layout.unit))
        actions.push(Action.Systemctl({ args: ["try-restart", unitName] }))
      actions.push(Action.Systemctl({ args: ["enable", "--now", unitName] }))
      break
    case "absent":
      actions.push(
        Action.Advice({
          text:
            "systemd is not running on this host, so nothing was started: run dockless in the foreground with " +
            `\`dockless run --config ${layout.config}\`, or under your init system`,
        }),
      )
      break
    case "staged":
      actions.push(
        Action.Advice({
          text: `files staged; on the target system run: systemctl daemon-reload && systemctl enable --now ${unitName}`,
        }),
      )
      break
  }
  return actions
}

export interface UninstallInputs {
  /** Which of launcher, libDir, unit and configDir exist, by target path. */
  readonly existing: ReadonlySet<string>
  readonly purge: boolean
  readonly systemd: SystemdState
  /** Whether systemd holds the unit as failed (a bad config, a crash loop): stopping leaves it so. */
  readonly unitFailed: boolean
  /** Where the target is (default /): advice names its real paths. */
  readonly root?: string
}

export const planUninstall = ({
  existing,
  purge,
  systemd,
  unitFailed,
  root = "/",
}: UninstallInputs): ReadonlyArray<Action> => {
  const remove = (path: string): Action =>
    existing.has(path) ? Action.Remove({ path }) : Action.AlreadyAbsent({ path })
  const manageUnit = systemd === "running" && existing.has(layout.unit)
  const actions: Array<Action> = []
  if (manageUnit) actions.push(Action.Systemctl({ args: ["disable", "--now", unitName] }))
  // A failed unit stays in systemd's memory after its file is gone: `systemctl --failed` and
  // `systemctl status dockless` would show a "not-found failed" Dockless until the next boot.
  if (manageUnit && unitFailed) actions.push(Action.Systemctl({ args: ["reset-failed", unitName] }))
  actions.push(remove(layout.unit), remove(layout.launcher), remove(layout.libDir))
  if (purge) actions.push(remove(layout.configDir))
  else if (existing.has(layout.configDir))
    actions.push(
      // `dockless uninstall --purge` would name a command this uninstall just removed.
      Action.Kept({
        path: layout.configDir,
        why: `config.toml and data stay; \`sudo rm -r ${underRoot(root, layout.configDir)}\` removes them`,
      }),
    )
  if (manageUnit) actions.push(Action.Systemctl({ args: ["daemon-reload"] }))
  return actions
}
