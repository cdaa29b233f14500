// Builds what the package tests install, into their own temp dirs (never dist/, which another test
// file's build may be replacing): a bundle reporting any version (DOCKLESS_VERSION), .deb packages
// of it, single executables of it. Each runs the project's own scripts, as `npm run package` does.
import { execFile } from "node:child_process"
import { readdir, readFile } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import { promisify } from "node:util"
import { ROOT } from "./daemon.ts"

const run = promisify(execFile)
const node = (script: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env) =>
  run(process.execPath, [join(ROOT, "scripts", script), ...args], {
    cwd: ROOT,
    env,
    maxBuffer: 16 * 1024 * 1024,
  })

/** dist/ as scripts/build.mjs makes it, reporting `version`, in `out`. */
export const buildBundle = async (out: string, version: string): Promise<string> => {
  await node("build.mjs", ["--quiet", "--out", out], { ...process.env, DOCKLESS_VERSION: version })
  return out
}

/** dockless_VERSION_ARCH.deb of the bundle in `dist`, in `out`; resolves with its path. */
export const buildDeb = async (dist: string, out: string, version: string, arch: string): Promise<string> => {
  await node("package-deb.mjs", [
    "--quiet",
    "--dist",
    dist,
    "--out",
    out,
    "--version",
    version,
    "--arch",
    arch,
  ])
  return join(out, `dockless_${version}_${arch}.deb`)
}

/** dockless-linux-ARCH for each arch, of the bundle in `dist`, in `out` (sd-notify/ beside them). */
export const buildSea = async (dist: string, out: string, arches: ReadonlyArray<string>): Promise<void> => {
  await node("package-sea.mjs", ["--quiet", "--dist", dist, "--out", out, "--arch", arches.join(",")])
}

/** The Debian name of this machine's CPU, for the package matching it. */
export const debArch = process.arch === "arm64" ? "arm64" : "amd64"

/** Whether a path is a package built into dist/ (not part of the bundle): copies of dist/ leave them out. */
export const notPackage = (path: string): boolean =>
  !/\/dockless_[^/]*\.deb$|\/dockless-linux-[^/]*$/.test(path)

export interface BundledPackage {
  readonly name: string
  readonly version: string
  /** Its folder in node_modules. */
  readonly dir: string
}

/**
 * The npm packages whose code the bundle in `dist` holds, read from its source maps (every input
 * esbuild put into dockless.mjs and chunks/), not from the build's own list of them.
 */
export const bundledPackages = async (dist: string): Promise<ReadonlyArray<BundledPackage>> => {
  const maps = (await readdir(dist, { recursive: true }))
    .filter((file) => file.endsWith(".mjs.map"))
    .map((file) => join(dist, file))
  const dirs = new Set<string>()
  for (const map of maps) {
    const { sources }: { sources: ReadonlyArray<string> } = JSON.parse(await readFile(map, "utf8"))
    for (const source of sources) {
      const at = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1]
      if (at !== undefined) dirs.add(resolve(dirname(map), at))
    }
  }
  return Promise.all(
    [...dirs].sort().map(async (dir) => {
      const { name, version }: { name: string; version: string } = JSON.parse(
        await readFile(join(dir, "package.json"), "utf8"),
      )
      return { name, version, dir }
    }),
  )
}
