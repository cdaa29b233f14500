// How a person ran this dockless, so that advice names a command that exists at that moment:
// `dockless` when this is the installed bundle (the launcher on PATH runs it), otherwise `node`
// and the bundle's path as seen from here (`node dist/dockless.mjs`), which works before any
// install and after an uninstall alike. A single executable is named by its own path.
import * as path from "node:path"
import { bundleDirOf } from "../bundleDir.ts"
import { debLayout, layout } from "./install/Layout.ts"
import { singleExecutable } from "../os/SingleExecutable.ts"

const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`

const relativeWord = (file: string, cwd: string) => {
  const relative = path.relative(cwd, file)
  return shellWord(relative === "" || relative.startsWith("..") ? file : relative)
}

/** The program part: `dockless`, or `node dist/dockless.mjs`, or `dist/dockless-linux-x64`. */
export const invocation = (
  bundleDir = bundleDirOf(import.meta.url),
  script = process.argv[1] ?? "",
  cwd = process.cwd(),
): string => {
  if (singleExecutable) {
    if (process.execPath === layout.launcher) return "dockless"
    const word = relativeWord(process.execPath, cwd)
    return word.includes("/") ? word : `./${word}`
  }
  if (bundleDir === layout.libDir || bundleDir === debLayout.libDir) return "dockless"
  return `node ${relativeWord(script, cwd)}`
}

/** This program with `args`, as a person types it: `sudo ${asTyped(["status"])}`. */
export const asTyped = (args: ReadonlyArray<string>, program = invocation()): string =>
  [program, ...args.map(shellWord)].join(" ")

/** The command line this process was started with, run again as root. */
export const withSudo = (): string => `sudo ${asTyped(process.argv.slice(2))}`
