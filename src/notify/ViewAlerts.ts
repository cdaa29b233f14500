// Alerts read off the views the tree already publishes, as a pure step: the previous sight of a
// service and its new view in, what happened out. A view that turned `failed` is a failure, a
// restart count that went up is a restart (a crash loop is each target's to judge, by its own
// window), a health status that turned unhealthy or healthy again is news. Nothing in the
// supervisors changes for this: they publish views anyway (s6's "events out, readers decide").
import type { ServiceView } from "../actors/ServiceView.ts"
import { Alert } from "./Alert.ts"

/** What was last seen of one service: only what the alerts compare. */
export interface Sight {
  readonly failed: boolean
  readonly restarts: number
  /** Unhealthy was said and "healthy again" was not yet. */
  readonly unhealthy: boolean
}

/** What a new view means: an alert, or a restart for the targets' crash-loop windows. */
export type Observation =
  | { readonly _tag: "Raised"; readonly alert: Alert }
  | { readonly _tag: "Restarted"; readonly service: string; readonly at: number }

/** A restart counter that jumped (events dropped for a lagging reader) counts at most this many. */
const MAX_RESTARTS_PER_VIEW = 20

export const observe = (
  before: Sight | undefined,
  view: ServiceView,
  at: number,
): { readonly sight: Sight; readonly observations: ReadonlyArray<Observation> } => {
  const service = view.name
  const observations: Array<Observation> = []
  const failed = view.state === "failed"
  if (failed && before?.failed !== true)
    observations.push({
      _tag: "Raised",
      alert: Alert.Failed({ service, error: view.error ?? "no reason was given", at }),
    })
  // A first sight is a boot or a new service: its count so far is not news.
  const added = before === undefined ? 0 : Math.min(view.restarts - before.restarts, MAX_RESTARTS_PER_VIEW)
  for (let i = 0; i < added; i++) observations.push({ _tag: "Restarted", service, at })
  const status = view.health?.status
  let unhealthy = before?.unhealthy ?? false
  if (status === "unhealthy" && !unhealthy) {
    unhealthy = true
    observations.push({
      _tag: "Raised",
      alert: Alert.HealthFailing({
        service,
        failures: view.health?.failures ?? 0,
        error: view.health?.last_error ?? null,
        at,
      }),
    })
  } else if (status === "healthy" && unhealthy) {
    unhealthy = false
    observations.push({ _tag: "Raised", alert: Alert.HealthRecovered({ service, at }) })
  }
  return { sight: { failed, restarts: view.restarts, unhealthy }, observations }
}
