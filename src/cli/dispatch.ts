// Picks the command from the parsed command line and runs it, turning every failure into a
// sentence on stderr and the exit code SPEC section 2 gives for it: 2 for a usage error.
import { Console, Effect, Either } from "effect"
import { version, versionLine } from "../version.ts"
import { commandHelp, overallHelp, parseCommandLine } from "./Argv.ts"
import { commands } from "./commands.ts"

const usageError = (message: string) => Console.error(`dockless: ${message}`).pipe(Effect.as(2))

export const dispatch = (args: ReadonlyArray<string>): Effect.Effect<number> =>
  Either.match(parseCommandLine(args, commands), {
    onLeft: usageError,
    onRight: (parsed) => {
      switch (parsed._tag) {
        case "Version":
          return Console.log(versionLine).pipe(Effect.as(0))
        case "Help":
          return Console.log(
            parsed.command === undefined ? overallHelp(version, commands) : commandHelp(parsed.command),
          ).pipe(Effect.as(0))
        case "Run":
          return parsed.command
            .run(parsed.line)
            .pipe(
              Effect.catchTag("ClientFailed", (e) =>
                Console.error(`dockless: ${e.message}`).pipe(Effect.as(e.code)),
              ),
            )
      }
    },
  })
