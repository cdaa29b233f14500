// The building blocks every part of a service's transition is made of: a result (the next model
// and its actions), their sequencing, and the steps several events share (a spawn, a backoff, the
// start of a stop, the release of those waiting for the process to be gone). Pure, as the rest.
import { ServiceAction, type Budget } from "./ServiceAction.ts"
import type { ServiceModel } from "./ServiceModel.ts"
import { redirect, ServiceState, type AfterStop, type Live } from "./ServiceState.ts"

export interface Transition {
  readonly model: ServiceModel
  readonly actions: ReadonlyArray<ServiceAction>
}

export const A = ServiceAction

/** The next model and the actions that carry it out. */
export const result = (model: ServiceModel, ...actions: ReadonlyArray<ServiceAction>): Transition => ({
  model,
  actions,
})

/**
 * `first`, then what `next` makes of its model: both results' actions, in order. Not named
 * `then`: a module exporting `then` is a thenable, which `await import()` would call.
 */
export const andThen = (first: Transition, next: (model: ServiceModel) => Transition): Transition => {
  const second = next(first.model)
  return { model: second.model, actions: [...first.actions, ...second.actions] }
}

export const isLive = (state: ServiceState): state is ServiceState & Live =>
  state._tag === "Starting" || state._tag === "Running"

export const spawn = (model: ServiceModel, budget: Budget): Transition => {
  const run = model.runs + 1
  return result({ ...model, runs: run }, A.Spawn({ run, budget }))
}

/** Invalidates any armed backoff timer: its BackoffElapsed will carry an old epoch. */
export const cancelBackoff = (model: ServiceModel): Transition =>
  result({ ...model, epoch: model.epoch + 1 }, A.CancelBackoff())

export const armBackoff = (
  model: ServiceModel,
  until: number,
  now: number,
  fields: { error: string | null; reserved: boolean },
): Transition => {
  const epoch = model.epoch + 1
  return result(
    { ...model, epoch, state: ServiceState.Backoff({ until, ...fields }) },
    A.ArmBackoff({ epoch, delay: Math.max(0, until - now) }),
  )
}

export const beginStop = (model: ServiceModel, live: Live, after: AfterStop): Transition =>
  result(
    { ...model, state: ServiceState.Stopping({ ...live, after, killed: false }) },
    A.Note({ text: `stopping (${model.spec.stop_signal} to the process group)` }),
    A.Signal({ signal: model.spec.stop_signal }),
    A.ArmStopOverdue({ run: live.run, delay: model.spec.stop_timeout }),
  )

/** Starts a stop towards `after`, or redirects the stop already under way; no-op without a process. */
export const stopTowards = (model: ServiceModel, after: AfterStop): Transition => {
  const { state } = model
  if (state._tag === "Stopping")
    return result({
      ...model,
      state: ServiceState.Stopping({ ...state, after: redirect(state.after, after) }),
    })
  if (isLive(state)) return beginStop(model, state, after)
  return result(model)
}

export const releaseWaiters = (model: ServiceModel): Transition =>
  model.waiters.length === 0
    ? result(model)
    : result({ ...model, waiters: [] }, A.Release({ waiters: model.waiters }))

export const heldByGroup = (model: ServiceModel): boolean => model.hold?.by === "group"

/** A time as the API and state.json write it. */
export const iso = (ms: number): string => new Date(ms).toISOString()
