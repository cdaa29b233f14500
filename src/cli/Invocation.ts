// How a person ran this dockless, so that advice names a command that exists at that moment:
// `dockless` when this is the installed bundle (the launcher on PATH runs it), otherwise `node`
// and the bundle's path as seen from here (`node dist/dockless.mjs`), which works before any
// install and after an uninstall alike.
import * as path from "node:path"
import { bundleDirOf } from "../bundleDir.ts"
import { layout } from "./install/Layout.ts"

const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`

/** The program part: `dockless`, or `node dist/dockless.mjs`. */
export const invocation = (
  bundleDir = bundleDirOf(import.meta.url),
  script = process.argv[1] ?? "",
  cwd = process.cwd(),
): string => {
  if (bundleDir === layout.libDir) return "dockless"
  const relative = path.relative(cwd, script)
  return `node ${shellWord(relative === "" || relative.startsWith("..") ? script : relative)}`
}

/** This program with `args`, as a person types it: `sudo ${asTyped(["status"])}`. */
export const asTyped = (args: ReadonlyArray<string>, program = invocation()): string =>
  [program, ...args.map(shellWord)].join(" ")

/** The command line this process was started with, run again as root. */
export const withSudo = (): string => `sudo ${asTyped(process.argv.slice(2))}`
