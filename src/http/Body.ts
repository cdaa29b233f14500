// Reads a JSON request body with a hard size limit, counting bytes as they arrive so a huge
// or endless body is refused with 413 without being buffered first.
import { Effect } from "effect"
import { BadRequest, PayloadTooLarge } from "./HttpErrors.ts"
import { BODY_LIMIT } from "./HttpLimits.ts"

const DRAIN_LIMIT = 16 * 1024 * 1024

const readCapped = (request: Request, limit: number) =>
  Effect.tryPromise({
    try: async () => {
      const reader = request.body?.getReader()
      if (reader === undefined) return { text: "", tooLarge: false }
      const chunks: Array<Uint8Array> = []
      let size = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > limit) {
          // Read and drop the rest (up to a cap), so the client, still sending, reads the 413
          // instead of a reset connection. Not reader.cancel(): it destroys the socket first.
          for (let rest = await reader.read(); !rest.done && size < DRAIN_LIMIT; rest = await reader.read()) {
            size += rest.value.byteLength
          }
          reader.releaseLock()
          return { text: "", tooLarge: true }
        }
        chunks.push(value)
      }
      return { text: Buffer.concat(chunks).toString("utf8"), tooLarge: false }
    },
    catch: () => new BadRequest({ reason: "the request body could not be read" }),
  })

export const readJsonBody = (request: Request): Effect.Effect<unknown, BadRequest | PayloadTooLarge> =>
  Effect.gen(function* () {
    const declared = Number(request.headers.get("content-length") ?? "0")
    if (declared > BODY_LIMIT) return yield* new PayloadTooLarge({ limit: BODY_LIMIT })
    const { text, tooLarge } = yield* readCapped(request, BODY_LIMIT)
    if (tooLarge) return yield* new PayloadTooLarge({ limit: BODY_LIMIT })
    if (text.trim() === "")
      return yield* new BadRequest({ reason: "the request body is empty; send a JSON object" })
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) =>
        new BadRequest({
          reason: `the request body is not valid JSON: ${error instanceof Error ? error.message : ""}`,
        }),
    })
  })
