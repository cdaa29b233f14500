// Sending one alert to one target: a try through its type (webhook, ntfy, command), bounded by
// its timeout, and the retries around it: `retries` more tries, each after twice the wait of the
// one before from `retry_delay` (Effect's Schedule, so TestClock drives it in tests).
import { Effect, Schedule } from "effect"
import type { NotifySpec } from "../config/NotifySpec.ts"
import type { AlertPayload } from "./Alert.ts"
import { runCommand } from "./CommandTarget.ts"
import type { DeliveryFailed } from "./DeliveryFailed.ts"
import { post } from "./HttpPost.ts"
import { ntfyRequest } from "./Ntfy.ts"
import { webhookRequest } from "./Webhook.ts"

/** One try, no retries: what "send test" does, so a person hears about a broken target at once. */
export const deliverOnce = (spec: NotifySpec, payload: AlertPayload): Effect.Effect<void, DeliveryFailed> => {
  const target = spec.destination
  switch (target._tag) {
    case "Webhook":
      return post(webhookRequest(target.url, target.secret, payload), spec.timeout)
    case "Ntfy":
      return post(ntfyRequest(target.url, target.token, payload), spec.timeout)
    case "Command":
      return runCommand(target, payload, spec.timeout)
  }
}

/** The waits between tries: retry_delay, then doubled each time, `retries` of them. */
export const retrySchedule = (spec: Pick<NotifySpec, "retries" | "retry_delay">) =>
  Schedule.exponential(spec.retry_delay, 2).pipe(Schedule.intersect(Schedule.recurs(spec.retries)))

/** Every try until one arrives or the retries run out (then the last reason); `onFailedTry` hears each failure, for the log. */
export const deliver = (
  spec: NotifySpec,
  payload: AlertPayload,
  onFailedTry: (failure: DeliveryFailed) => Effect.Effect<void>,
): Effect.Effect<void, DeliveryFailed> =>
  deliverOnce(spec, payload).pipe(Effect.tapError(onFailedTry), Effect.retry(retrySchedule(spec)))
