// `dockless logs NAME [-n N] [-f]`: the last N captured lines of a service, then with -f every
// new line as the daemon captures it (over the same SSE stream the dashboard uses). When that
// stream ends or breaks (the daemon stopped or went away), -f says so and exits 1; Ctrl-C is 0.
import { Effect } from "effect"
import type { LogLine } from "../actors/OutputCapture.ts"
import { apiError, connect, ClientFailed } from "./Client.ts"
import { asTyped } from "./Invocation.ts"

const print = (line: LogLine) => process.stdout.write(`${line.ts} ${line.stream} ${line.text}\n`)

/** Prints the stream's lines until it ends or breaks; never returns while the daemon serves it. */
const follow = (response: Response) =>
  Effect.promise(async () => {
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader()
    if (reader === undefined) return
    let buffer = ""
    for (;;) {
      const read = await reader.read().catch(() => undefined)
      if (read === undefined) return
      const { done, value } = read
      if (done) return
      buffer += value
      let end = buffer.indexOf("\n\n")
      while (end !== -1) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = frame.split("\n").find((l) => l.startsWith("data: "))
        if (frame.startsWith("event: log") && data !== undefined) print(JSON.parse(data.slice(6)))
        end = buffer.indexOf("\n\n")
      }
    }
  })

export const logs = (configPath: string | undefined, name: string, lines: number, followMode: boolean) =>
  Effect.gen(function* () {
    const daemon = yield* connect(configPath)
    const path = `/api/services/${encodeURIComponent(name)}/logs`
    const response = yield* daemon.request("GET", `${path}?lines=${lines}`)
    if (response.status === 404)
      return yield* new ClientFailed({ message: yield* apiError(response), code: 3 })
    if (!response.ok) return yield* new ClientFailed({ message: yield* apiError(response), code: 1 })
    const body: { lines: ReadonlyArray<LogLine> } = yield* Effect.promise(() => response.json())
    body.lines.forEach(print)
    if (!followMode) return 0
    yield* follow(yield* daemon.request("GET", `${path}/stream`))
    return yield* new ClientFailed({
      message: `the daemon went away: the log stream ended (is it running? ${asTyped(["status"])})`,
      code: 1,
    })
  })
