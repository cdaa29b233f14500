// /api/notify: the [[notify]] targets with what each delivered and its last error, and "send
// test" (one try to each target, or to ?target=N, answered with what each said). Thin, like
// every route group: the Notifier does the work.
import { Effect } from "effect"
import { Notifier } from "../notify/Notifier.ts"
import * as Api from "./ApiSchema.ts"
import { answer } from "./Answers.ts"
import { BadRequest } from "./HttpErrors.ts"
import type { Handler } from "./HttpContext.ts"

const targetsAnswer = answer(Api.NotifyAnswer)
const testAnswer = answer(Api.NotifyTestAnswer)

export const notifyTargets: Handler = () =>
  Effect.gen(function* () {
    return targetsAnswer(200, { targets: yield* (yield* Notifier).targets })
  })

/** ?target=N: one target by its index; none: all of them. */
const targetOf = (text: string | null) =>
  Effect.suspend(() => {
    if (text === null) return Effect.succeed(undefined)
    const index = Number(text)
    return Number.isInteger(index) && index >= 0
      ? Effect.succeed(index)
      : Effect.fail(new BadRequest({ reason: "target takes the index of a [[notify]] table (0, 1, ...)" }))
  })

export const notifyTest: Handler = (event, ctx) =>
  Effect.gen(function* () {
    const index = yield* targetOf(event.url.searchParams.get("target"))
    if (index !== undefined && !ctx.config.notify.some((spec) => spec.index === index))
      return yield* new BadRequest({
        reason: `there is no notify[${index}]: config.toml has ${ctx.config.notify.length} [[notify]] table(s)`,
      })
    return testAnswer(200, { results: yield* (yield* Notifier).test(index) })
  })
