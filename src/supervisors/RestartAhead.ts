// A restart taken in the 'exit' callback of the process it replaces. Carried out by the
// supervisor's loop, a restart waits for the exit's message, the run's scope to close, the
// "exited" note, and the spawn's plan: ~2 ms of work before the fork, which an ordinary respawner
// does not do. When the loop is idle, the Exited event it will take next is decided here, at
// once, by the same pure transition, and when the decision is to restart now, the new process
// is launched before any of that work. The loop then carries out that same decision, with the
// launched process as its spawn, or discards it if its model moved on in between.
import type { Data } from "effect"
import { usesNotify } from "../config/ReadySpec.ts"
import type { Launched, SpawnRequest } from "../actors/ProcessRunner.ts"
import type { ServiceEvent } from "./ServiceEvent.ts"
import type { ServiceModel } from "./ServiceModel.ts"
import { transition, type Transition } from "./ServiceTransition.ts"

type Exited = Data.TaggedEnum.Value<ServiceEvent, "Exited">

/** A decision taken ahead of the loop, and the process launched for it. */
export interface Ahead {
  /** The event decided, and the model it was decided on: the loop uses `next` only on that same model. */
  readonly event: Exited
  readonly basis: ServiceModel
  readonly next: Transition
  /** The run the process was launched for, when, with what request, and the process. */
  readonly run: number
  readonly startedAt: number
  readonly request: SpawnRequest
  readonly launched: Launched
}

/** What the supervisor lends for a launch: each step a spawn in its loop would take, without a fiber. */
export interface AheadSteps {
  /** The spawn's request for `run` (SpawnPlan.ts), or why there can be none. */
  readonly request: (model: ServiceModel, run: number) => SpawnRequest | string
  /** Whether no other process holds the service's ports. */
  readonly portsFree: (model: ServiceModel) => boolean
  /** Reserves a restart in the tree's spawn budget if one may happen now. */
  readonly budgetNow: (now: number) => boolean
  /** Starts the process with its output captured; undefined when it cannot be done at once. */
  readonly launch: (request: SpawnRequest) => Launched | undefined
}

/**
 * Decides `event` on `model` at `now`; when that decision spawns at once, launches the process
 * and answers both. Undefined, with nothing launched or reserved, whenever the loop's own spawn
 * would do anything else first: a `ready` condition or a notify socket to listen on before the
 * start, a spawn that would be refused, deferred by the budget, or blocked by a port.
 */
export const restartAhead = (
  model: ServiceModel,
  event: Exited,
  now: number,
  steps: AheadSteps,
): Ahead | undefined => {
  if (model.spec.ready !== undefined || usesNotify(model.spec)) return undefined
  const next = transition(model, event, now)
  const spawn = next.actions.find((action) => action._tag === "Spawn")
  if (spawn?._tag !== "Spawn") return undefined
  const request = steps.request(next.model, spawn.run)
  if (typeof request === "string" || !steps.portsFree(next.model)) return undefined
  if (spawn.budget === "ask" && !steps.budgetNow(now)) return undefined
  const launched = steps.launch(request)
  return launched === undefined
    ? undefined
    : { event, basis: model, next, run: spawn.run, startedAt: now, request, launched }
}
