// `dockless install` and `dockless uninstall`: put the bundle, a launcher, the default config,
// the data dir and the systemd unit in place (or take them away again), then let systemd run it.
// The decisions are pure (install/Plan.ts); this file reads the target, carries the plan out and
// prints one line per action. --dry-run prints the same lines prefixed "would" and writes nothing.
// From a single executable it installs that file as the launcher, with no Node needed on the host.
import { Console, Effect } from "effect"
import { dirname, join } from "node:path"
import { Action, type FileState } from "./install/Plan.ts"
import { planInstall, planUninstall } from "./install/Plan.ts"
import {
  exists,
  listTree,
  makeDir,
  readBytes,
  readDirMode,
  readFileState,
  remove,
  setMode,
  writeFileAtomic,
} from "./install/Files.ts"
import { InstallError } from "./install/InstallError.ts"
import {
  debianPackageState,
  packageInstalledReason,
  packageLeftConfigAdvice,
  packageUninstallReason,
} from "./install/DebianPackage.ts"
import { bundleEntries, bundleFiles, layout, underRoot } from "./install/Layout.ts"
import { nodeForSystemd } from "./install/NodeOnPath.ts"
import { systemctl, systemdState, unitFailed } from "./install/Systemd.ts"
import { withSudo } from "./Invocation.ts"
import { embeddedFile, singleExecutable } from "../os/SingleExecutable.ts"

export { InstallError }

export interface InstallOptions {
  readonly root: string
  readonly dryRun: boolean
  /** The dist/ dir the running dockless came from: the dirname of the running bundle. */
  readonly bundleDir: string
}

export interface UninstallOptions {
  readonly root: string
  readonly dryRun: boolean
  readonly purge: boolean
}

const requireRootUser = (command: string, root: string, dryRun: boolean) =>
  root === "/" && !dryRun && process.getuid?.() !== 0
    ? Effect.fail(
        new InstallError({
          step: "check permissions",
          reason:
            `${command} writes to /usr/local and /etc, which needs root: run \`${withSudo()}\`, ` +
            "add --dry-run to only see what it would do, or pass --root DIR to use a directory you own",
        }),
      )
    : Effect.void

const isBundleEntry = (path: string) => bundleEntries.includes(path.split("/")[0] ?? "")

/** Every file of the bundle dir, after checking it is a complete build. */
const readBundle = (bundleDir: string) =>
  Effect.gen(function* () {
    const all = yield* listTree(bundleDir)
    const tree = { files: all.files.filter(isBundleEntry), dirs: all.dirs.filter(isBundleEntry) }
    const missing = [...Object.values(bundleFiles), "static"].filter(
      (name) => !tree.files.includes(name) && !tree.dirs.includes(name),
    )
    if (missing.length > 0)
      return yield* new InstallError({
        step: "read the bundle",
        reason:
          `${bundleDir} has no ${missing.join(", ")}, so it is not a complete build: run \`npm run build\` ` +
          "and install from dist/ (`sudo node dist/dockless.mjs install`), or from an unpacked release",
      })
    const bundle = new Map<string, Uint8Array>()
    for (const name of tree.files) bundle.set(name, yield* readBytes(join(bundleDir, name)))
    return bundle
  })

/**
 * What a single executable installs: itself as the launcher, and as its "bundle" the files
 * embedded in it that install writes (unit, default config, schema) plus the notify addon for this
 * CPU when one sits beside it (dist/sd-notify/…, or /usr/local/lib/dockless/sd-notify/… once installed).
 */
const readSingleExecutable = Effect.gen(function* () {
  const bundle = new Map<string, Uint8Array>()
  for (const name of [bundleFiles.unit, bundleFiles.defaultConfig, bundleFiles.configSchema]) {
    const content = embeddedFile(name)
    if (content === undefined)
      return yield* new InstallError({
        step: "read the single executable",
        reason: `${process.execPath} has no embedded ${name}; build it again with \`npm run package:sea\``,
      })
    bundle.set(name, content)
  }
  const addon = `linux-${process.arch}/sd_notify.node`
  const here = dirname(process.execPath)
  for (const dir of [join(here, "sd-notify"), join(here, "../lib/dockless/sd-notify")])
    if (yield* exists(join(dir, addon))) {
      bundle.set(`sd-notify/${addon}`, yield* readBytes(join(dir, addon)))
      break
    }
  if (!bundle.has(`sd-notify/${addon}`))
    yield* Console.log(
      `install: no notify addon beside ${process.execPath} (sd-notify/${addon}): ` +
        'services with ready = "notify" or watchdog will not start; copy sd-notify/ from the release beside it to have them',
    )
  return { bundle, launcher: yield* readBytes(process.execPath) }
})

/** What the target already has, for the paths install may touch. */
const readTarget = (root: string) =>
  Effect.gen(function* () {
    const at = (path: string) => underRoot(root, path)
    const lib = yield* listTree(at(layout.libDir))
    const files = new Map<string, FileState>()
    for (const path of [
      ...lib.files.map((f) => `${layout.libDir}/${f}`),
      layout.launcher,
      layout.config,
      layout.configSchema,
      layout.unit,
    ]) {
      const state = yield* readFileState(at(path))
      if (state !== undefined) files.set(path, state)
    }
    const dirs = new Map<string, number>()
    const fixed = [layout.libDir, layout.binDir, layout.configDir, layout.dataDir, layout.unitDir]
    for (const path of [...fixed, ...lib.dirs.map((d) => `${layout.libDir}/${d}`)]) {
      const mode = yield* readDirMode(at(path))
      if (mode !== undefined) dirs.set(path, mode)
    }
    return { files, dirs }
  })

const describe = (action: Action, dryRun: boolean, at: (path: string) => string): string => {
  const did = (past: string, verb: string) => (dryRun ? `would ${verb}` : past)
  return Action.$match(action, {
    CreateDir: ({ path }) => `${did("created", "create")} ${at(path)}`,
    SetMode: ({ path, mode }) => `${did("set", "set")} mode ${mode.toString(8)} on ${at(path)}`,
    WriteFile: ({ path }) => `${did("wrote", "write")} ${at(path)}`,
    Unchanged: ({ path }) => `unchanged ${at(path)}`,
    Kept: ({ path, why }) => `${did("kept", "keep")} ${at(path)} (${why})`,
    Remove: ({ path }) => `${did("removed", "remove")} ${at(path)}`,
    AlreadyAbsent: ({ path }) => `already absent ${at(path)}`,
    Systemctl: ({ args }) => `${did("ran", "run")} systemctl ${args.join(" ")}`,
    Advice: ({ text }) => text,
  })
}

const perform = (action: Action, at: (path: string) => string): Effect.Effect<void, InstallError> =>
  Action.$match(action, {
    CreateDir: ({ path, mode }) => makeDir(at(path), mode),
    SetMode: ({ path, mode }) => setMode(at(path), mode),
    WriteFile: ({ path, content, mode }) => writeFileAtomic(at(path), content, mode),
    Remove: ({ path }) => remove(at(path)),
    Systemctl: ({ args }) => systemctl(args),
    Unchanged: () => Effect.void,
    Kept: () => Effect.void,
    AlreadyAbsent: () => Effect.void,
    Advice: () => Effect.void,
  })

/** Carries out the actions in order (unless dry run), one line each, stopping at the first failure. */
const run = (command: string, actions: ReadonlyArray<Action>, root: string, dryRun: boolean) => {
  const at = (path: string) => underRoot(root, path)
  return Effect.forEach(
    actions,
    (action) =>
      (dryRun ? Effect.void : perform(action, at)).pipe(
        Effect.zipRight(Console.log(`${command}: ${describe(action, dryRun, at)}`)),
      ),
    { discard: true },
  )
}

export const install: (options: InstallOptions) => Effect.Effect<void, InstallError> = Effect.fn("install")(
  function* ({ root, dryRun, bundleDir }) {
    yield* requireRootUser("install", root, dryRun)
    const debian = yield* debianPackageState(root)
    if (debian === "installed")
      return yield* new InstallError({ step: "check for the Debian package", reason: packageInstalledReason })
    const { bundle, launcher } = singleExecutable
      ? yield* readSingleExecutable
      : { bundle: yield* readBundle(bundleDir), launcher: undefined }
    if (root === "/" && !singleExecutable) {
      const node = yield* nodeForSystemd()
      yield* Console.log(
        `install: systemd will run ${layout.launcher} with ${node.path} (Node ${node.version})`,
      )
    }
    const { files, dirs } = yield* readTarget(root)
    const systemd = yield* systemdState(root)
    const plan = planInstall({
      bundle,
      files,
      dirs,
      systemd,
      ...(launcher === undefined ? {} : { launcher }),
    })
    yield* run("install", plan, root, dryRun)
    if (debian === "config-files") yield* Console.log(`install: ${packageLeftConfigAdvice}`)
  },
)

export const uninstall: (options: UninstallOptions) => Effect.Effect<void, InstallError> = Effect.fn(
  "uninstall",
)(function* ({ root, dryRun, purge }) {
  yield* requireRootUser("uninstall", root, dryRun)
  const existing = new Set<string>()
  for (const path of [layout.unit, layout.launcher, layout.libDir, layout.configDir])
    if (yield* exists(underRoot(root, path))) existing.add(path)
  if (
    (yield* debianPackageState(root)) === "installed" &&
    !existing.has(layout.launcher) &&
    !existing.has(layout.unit)
  )
    return yield* new InstallError({ step: "check for the Debian package", reason: packageUninstallReason })
  const systemd = yield* systemdState(root)
  const failed = systemd === "running" && existing.has(layout.unit) ? yield* unitFailed : false
  yield* run("uninstall", planUninstall({ existing, purge, systemd, unitFailed: failed, root }), root, dryRun)
})
