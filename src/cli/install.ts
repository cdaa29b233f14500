// `dockless install` and `dockless uninstall`: put the bundle, a launcher, the default config,
// the data dir and the systemd unit in place (or take them away again), then let systemd run it.
// The decisions are pure (install/Plan.ts); this file reads the target, carries the plan out and
// prints one line per action. --dry-run prints the same lines prefixed "would" and writes nothing.
import { Console, Effect } from "effect"
import { join } from "node:path"
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
import { bundleFiles, layout, underRoot } from "./install/Layout.ts"
import { nodeForSystemd } from "./install/NodeOnPath.ts"
import { systemctl, systemdState, unitFailed } from "./install/Systemd.ts"
import { withSudo } from "./Invocation.ts"

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

/** Every file of the bundle dir, after checking it is a complete build. */
const readBundle = (bundleDir: string) =>
  Effect.gen(function* () {
    const tree = yield* listTree(bundleDir)
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
    const bundle = yield* readBundle(bundleDir)
    if (root === "/") {
      const node = yield* nodeForSystemd()
      yield* Console.log(
        `install: systemd will run ${layout.launcher} with ${node.path} (Node ${node.version})`,
      )
    }
    const { files, dirs } = yield* readTarget(root)
    const systemd = yield* systemdState(root)
    yield* run("install", planInstall({ bundle, files, dirs, systemd }), root, dryRun)
  },
)

export const uninstall: (options: UninstallOptions) => Effect.Effect<void, InstallError> = Effect.fn(
  "uninstall",
)(function* ({ root, dryRun, purge }) {
  yield* requireRootUser("uninstall", root, dryRun)
  const existing = new Set<string>()
  for (const path of [layout.unit, layout.launcher, layout.libDir, layout.configDir])
    if (yield* exists(underRoot(root, path))) existing.add(path)
  const systemd = yield* systemdState(root)
  const failed = systemd === "running" && existing.has(layout.unit) ? yield* unitFailed : false
  yield* run("uninstall", planUninstall({ existing, purge, systemd, unitFailed: failed, root }), root, dryRun)
})
