// The command line, parsed: a command word, positional words and flags. Flags that take a
// value are listed so `-n 50` and `--config=PATH` both work; anything unknown is an error
// naming the flag, never silently ignored.
import { Either } from "effect"

export interface Argv {
  readonly command: string
  readonly positionals: ReadonlyArray<string>
  readonly flags: ReadonlyMap<string, string | true>
}

const VALUE_FLAGS = new Set(["--config", "-n", "--root", "--lines"])
const SWITCHES = new Set([
  "--json",
  "-f",
  "--follow",
  "--dry-run",
  "--purge",
  "--help",
  "-h",
  "--version",
  "-V",
])

export const parseArgv = (args: ReadonlyArray<string>): Either.Either<Argv, string> => {
  const positionals: Array<string> = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined]
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? args[++i]
      if (value === undefined) return Either.left(`${flag} needs a value`)
      flags.set(flag, value)
    } else if (SWITCHES.has(flag)) {
      flags.set(flag, true)
    } else if (arg.startsWith("-") && arg !== "-") {
      return Either.left(`unknown option ${arg} (see dockless --help)`)
    } else {
      positionals.push(arg)
    }
  }
  const [command = "run", ...rest] = positionals
  return Either.right({ command, positionals: rest, flags })
}

export const flagValue = (argv: Argv, ...names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const value = argv.flags.get(name)
    if (typeof value === "string") return value
  }
  return undefined
}

export const hasFlag = (argv: Argv, ...names: ReadonlyArray<string>): boolean =>
  names.some((n) => argv.flags.has(n))
