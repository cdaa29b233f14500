// Dockless's own log on stderr: one line per event, level first ("info: ..."), no timestamps
// or colours, because journald adds the time and keeps lines readable as they are.
import { Cause, Logger } from "effect"

const render = (message: unknown): string =>
  Array.isArray(message)
    ? message.map(render).join(" ")
    : typeof message === "string"
      ? message
      : String(message)

export const daemonLogger = Logger.make(({ logLevel, message, cause }) => {
  const detail = Cause.isEmpty(cause) ? "" : ` (${Cause.pretty(cause).split("\n")[0] ?? ""})`
  process.stderr.write(`${logLevel.label.toLowerCase()}: ${render(message)}${detail}\n`)
})

export const daemonLoggerLayer = Logger.replace(Logger.defaultLogger, daemonLogger)
