// The command line, described and parsed: each command lists its options and positionals once
// (commands.ts), node:util's parseArgs reads them, and the same description gives `--help` and the
// shell completion. An option a command does not take is an error naming it, never ignored.
import { parseArgs } from "node:util"
import { Either, type Effect } from "effect"
import type { ClientFailed } from "./Client.ts"

export interface OptionSpec {
  readonly type: "string" | "boolean"
  readonly short?: string
  /** The value's name in help ("PATH", "N"). */
  readonly value?: string
  readonly description: string
  /** What the shell completes as the value: files, directories. */
  readonly complete?: "file" | "directory"
}

/** What a command gets: its positionals and the options given. */
export interface CommandLine {
  readonly positionals: ReadonlyArray<string>
  readonly string: (name: string) => string | undefined
  readonly flag: (name: string) => boolean
}

export interface CommandSpec {
  readonly name: string
  /** Positionals as help shows them: "NAME", "[NAME]", "config|openapi". */
  readonly args: string
  readonly summary: string
  readonly options: Readonly<Record<string, OptionSpec>>
  /** How many positionals it takes, at least and at most. */
  readonly positionals: readonly [min: number, max: number]
  /** What a missing positional is, in words: "a service name". */
  readonly needs?: string
  /** An option that stands in for the positionals when given (`start --group GROUP`). */
  readonly insteadOf?: string
  /** What the shell completes as the first positional: service names, or these words. */
  readonly complete?: "services" | ReadonlyArray<string>
  readonly run: (line: CommandLine) => Effect.Effect<number, ClientFailed>
}

/** Options every command takes. */
export const globalOptions: Readonly<Record<string, OptionSpec>> = {
  config: {
    type: "string",
    value: "PATH",
    description: "the config file (else $DOCKLESS_CONFIG, ./config.toml, /etc/dockless/config.toml)",
    complete: "file",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
}

const versionOption: OptionSpec = { type: "boolean", short: "V", description: "print the version" }

export type Parsed =
  | { readonly _tag: "Help"; readonly command: CommandSpec | undefined }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Run"; readonly command: CommandSpec; readonly line: CommandLine }

const nodeOptions = (options: Readonly<Record<string, OptionSpec>>) =>
  Object.fromEntries(
    Object.entries(options).map(([name, o]) => [
      name,
      o.short === undefined ? { type: o.type } : { type: o.type, short: o.short },
    ]),
  )

/** parseArgs' errors as one line: which option, and what is wrong with it. */
const usageMessage = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error)
  // "Option '-n, --lines <value>' argument missing": name it by its long form.
  const option = /'(?:-\w, )?(-[^' ,]+)/.exec(text)?.[1] ?? ""
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option} (see dockless --help)`
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
    return /argument missing/.test(text) ? `${option} needs a value` : `${option} takes no value`
  return text
}

/** Reads `args` (without node and the script); Left is a usage error (exit 2). */
export const parseCommandLine = (
  args: ReadonlyArray<string>,
  commands: ReadonlyArray<CommandSpec>,
): Either.Either<Parsed, string> =>
  Either.gen(function* () {
    const every = Object.assign({ version: versionOption }, globalOptions, ...commands.map((c) => c.options))
    const parsed = yield* Either.try({
      try: () =>
        parseArgs({
          args: [...args],
          options: nodeOptions(every),
          allowPositionals: true,
          strict: true,
          tokens: true,
        }),
      catch: usageMessage,
    })
    const [word, ...positionals] = parsed.positionals
    const values: Readonly<Record<string, string | boolean | undefined>> = parsed.values
    if (values.version === true) return { _tag: "Version" } as const
    // `dockless` alone runs the daemon; `dockless --help` alone is the overall help.
    const wanted = word === "help" ? positionals[0] : (word ?? (values.help === true ? undefined : "run"))
    const command = commands.find((c) => c.name === wanted)
    if (wanted !== undefined && command === undefined)
      return yield* Either.left(`unknown command "${wanted}" (see dockless --help)`)
    if (word === "help" || values.help === true) return { _tag: "Help", command } as const
    if (command === undefined) return yield* Either.left("no command (see dockless --help)")
    const foreign = parsed.tokens.find(
      (t) => t.kind === "option" && !(t.name in globalOptions) && !(t.name in command.options),
    )
    if (foreign?.kind === "option")
      return yield* Either.left(
        `${command.name} takes no ${foreign.rawName} (see dockless ${command.name} --help)`,
      )
    const [min, max] = command.positionals
    const replaced = command.insteadOf !== undefined && values[command.insteadOf] !== undefined
    if (positionals.length < min && !replaced)
      return yield* Either.left(
        `${command.name} needs ${command.needs ?? command.args} (see dockless ${command.name} --help)`,
      )
    if (positionals.length > max)
      return yield* Either.left(`too many arguments for ${command.name}: ${positionals.slice(max).join(" ")}`)
    const line: CommandLine = {
      positionals,
      string: (name) => {
        const value = values[name]
        return typeof value === "string" ? value : undefined
      },
      flag: (name) => values[name] === true,
    }
    return { _tag: "Run", command, line } as const
  })

const optionLabel = (name: string, o: OptionSpec) =>
  `${o.short === undefined ? "    " : `-${o.short}, `}--${name}${o.value === undefined ? "" : ` ${o.value}`}`

const optionLines = (options: Readonly<Record<string, OptionSpec>>) => {
  const labels = Object.entries(options).map(([name, o]) => [optionLabel(name, o), o.description] as const)
  const width = Math.max(...labels.map(([label]) => label.length))
  return labels.map(([label, description]) => `  ${label.padEnd(width)}  ${description}`)
}

const synopsis = (c: CommandSpec) =>
  [
    `dockless ${c.name}`,
    c.args,
    ...Object.entries(c.options).map(([name, o]) => {
      const flag = o.short === undefined ? `--${name}` : `-${o.short}`
      return `[${flag}${o.value === undefined ? "" : ` ${o.value}`}]`
    }),
  ]
    .filter((part) => part !== "")
    .join(" ")

/** `dockless CMD --help`. */
export const commandHelp = (c: CommandSpec): string =>
  [
    `usage: ${synopsis(c)} [--config PATH]`,
    "",
    c.summary,
    "",
    "options:",
    ...optionLines({ ...c.options, ...globalOptions }),
  ].join("\n")

/** `dockless --help`. */
export const overallHelp = (version: string, commands: ReadonlyArray<CommandSpec>): string => {
  const lines = commands.map((c) => [synopsis(c), c.summary] as const)
  const width = Math.max(...lines.map(([s]) => s.length))
  return [
    `dockless ${version}: supervises host binaries, with a web dashboard.`,
    "",
    "usage:",
    ...lines.map(([s, summary]) => `  ${s.padEnd(width)}  ${summary}`),
    `  ${"dockless --version | --help".padEnd(width)}  print the version, or this help`,
    "",
    "every command takes --config PATH; `dockless CMD --help` tells more about one.",
    "config lookup: --config, $DOCKLESS_CONFIG, ./config.toml, /etc/dockless/config.toml",
  ].join("\n")
}
