// How relative paths in config.toml resolve: against the config file's directory (or, for API
// registrations, the directory of the config the daemon runs with). A command resolves only when
// it is a path ("./bin/api"); a bare name ("redis-server") stays bare and is found on PATH at spawn.
import * as path from "node:path"

/** `command` as written, made absolute against baseDir only when it is a relative path (has a "/"). */
export const resolveCommand = (command: string, baseDir: string): string =>
  command.includes("/") && !path.isAbsolute(command) ? path.resolve(baseDir, command) : command
