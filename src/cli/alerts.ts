// `dockless notify test`: asks the running daemon to send a test alert to every [[notify]]
// target (POST /api/notify/test) and prints what each did. Exit 0 when every target got it; 1
// with each reason when one did not, or when there is no target to try.
import { Console, Effect } from "effect"
import { apiError, ClientFailed, connect } from "./Client.ts"

interface Result {
  readonly index: number
  readonly name: string
  readonly ok: boolean
  readonly error: string | null
}

const isResult = (u: unknown): u is Result =>
  typeof u === "object" && u !== null && "index" in u && "name" in u && "ok" in u

const resultsOf = (body: unknown): ReadonlyArray<Result> =>
  typeof body === "object" && body !== null && "results" in body && Array.isArray(body.results)
    ? body.results.filter(isResult)
    : []

export const notifyTest = (configPath: string | undefined) =>
  Effect.gen(function* () {
    const daemon = yield* connect(configPath)
    const response = yield* daemon.request("POST", "/api/notify/test")
    if (!response.ok) return yield* new ClientFailed({ message: yield* apiError(response), code: 1 })
    const results = resultsOf(yield* Effect.promise(() => response.json()))
    if (results.length === 0)
      return yield* new ClientFailed({
        message:
          "the daemon has no [[notify]] targets: add one to config.toml (see docs/config.md) and restart it",
        code: 1,
      })
    for (const r of results)
      yield* r.ok
        ? Console.log(`notify[${r.index}] ${r.name}: delivered`)
        : Console.error(`notify[${r.index}] ${r.name}: not delivered: ${r.error ?? "no reason given"}`)
    const failed = results.filter((r) => !r.ok).length
    if (failed === 0) return 0
    yield* Console.error(`dockless: ${failed} of ${results.length} notify targets did not get the test alert`)
    return 1
  })
