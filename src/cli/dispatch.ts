// Picks the command from the parsed command line and runs it, turning every failure into a
// sentence on stderr and the exit code SPEC section 2 gives for it.
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { Console, Effect } from "effect"
import { version } from "../version.ts"
import { flagValue, hasFlag, parseArgv, type Argv } from "./Argv.ts"
import { check } from "./check.ts"
import { ClientFailed } from "./Client.ts"
import { control } from "./control.ts"
import { install, uninstall } from "./install.ts"
import { logs } from "./logs.ts"
import { run } from "./run.ts"
import { printSchema, schemaKinds, type SchemaKind } from "./schema.ts"
import { status } from "./status.ts"

const HELP = `dockless ${version}: supervises host binaries, with a web dashboard.

usage:
  dockless [run] [--config PATH]          run the daemon in the foreground
  dockless check [--config PATH]          validate the config; prints ok or every problem
  dockless status [NAME] [--json]         services as the running daemon sees them
  dockless start|stop|restart NAME        send the message to a service
  dockless logs NAME [-n N] [-f]          last N lines (default 100); -f follows
  dockless install [--root DIR] [--dry-run]
  dockless uninstall [--root DIR] [--purge]
  dockless --version | --help

config lookup: --config, $DOCKLESS_CONFIG, ./config.toml, /etc/dockless/config.toml`

const usageError = (message: string) => Console.error(`dockless: ${message}`).pipe(Effect.as(2))

const needName = (argv: Argv, then: (name: string) => Effect.Effect<number, ClientFailed>) => {
  const name = argv.positionals[0]
  return name === undefined ? usageError(`${argv.command} needs a service name`) : then(name)
}

const bundleDir = () => dirname(fileURLToPath(import.meta.url))

const command = (argv: Argv): Effect.Effect<number, ClientFailed> => {
  const config = flagValue(argv, "--config")
  switch (argv.command) {
    case "run":
      return run(config)
    case "check":
      return check(config)
    case "status":
      return status(config, argv.positionals[0], hasFlag(argv, "--json"))
    case "start":
    case "stop":
    case "restart": {
      const verb = argv.command
      return needName(argv, (name) => control(config, verb, name))
    }
    case "logs": {
      const lines = Number(flagValue(argv, "-n", "--lines") ?? "100")
      if (!Number.isInteger(lines) || lines < 0) return usageError("-n takes a whole number of lines")
      return needName(argv, (name) => logs(config, name, lines, hasFlag(argv, "-f", "--follow")))
    }
    case "install":
      return install({
        root: flagValue(argv, "--root") ?? "/",
        dryRun: hasFlag(argv, "--dry-run"),
        bundleDir: bundleDir(),
      }).pipe(
        Effect.as(0),
        Effect.catchTag("InstallError", (e) =>
          Console.error(`dockless install: ${e.message}`).pipe(Effect.as(1)),
        ),
      )
    case "uninstall":
      return uninstall({
        root: flagValue(argv, "--root") ?? "/",
        dryRun: hasFlag(argv, "--dry-run"),
        purge: hasFlag(argv, "--purge"),
      }).pipe(
        Effect.as(0),
        Effect.catchTag("InstallError", (e) =>
          Console.error(`dockless uninstall: ${e.message}`).pipe(Effect.as(1)),
        ),
      )
    case "schema": {
      const kind = schemaKinds.find((k) => k === argv.positionals[0])
      return kind === undefined
        ? usageError(`schema needs one of: ${schemaKinds.join(", ")}`)
        : printSchema(kind)
    }
    default:
      return usageError(`unknown command "${argv.command}" (see dockless --help)`)
  }
}

export const dispatch = (args: ReadonlyArray<string>): Effect.Effect<number> => {
  const parsed = parseArgv(args)
  if (parsed._tag === "Left") return usageError(parsed.left)
  const argv = parsed.right
  if (hasFlag(argv, "--version", "-V")) return Console.log(version).pipe(Effect.as(0))
  if (hasFlag(argv, "--help", "-h") || argv.command === "help") return Console.log(HELP).pipe(Effect.as(0))
  return command(argv).pipe(
    Effect.catchTag("ClientFailed", (e) => Console.error(`dockless: ${e.message}`).pipe(Effect.as(e.code))),
  )
}
