// At most one timer fiber of a supervisor (its backoff, its schedule's next firing): arming one
// replaces the one armed before, clearing it interrupts it, and closing the scope ends it. The
// FiberHandle behind it is made the first time a timer is armed: most services never back off
// and have no schedule, and 1000 idle services took 1.7-3.3 MiB less RSS without their two
// handles each (Node 20, 22 and 24, one run each, docs/measurements.md).
import { Effect, FiberHandle, Scope } from "effect"

export interface TimerSlot {
  /** Runs `timer` in the slot, interrupting the one it held. */
  readonly arm: (timer: Effect.Effect<void>) => Effect.Effect<void>
  /** Interrupts the timer the slot holds, if any. */
  readonly clear: Effect.Effect<void>
}

export const timerSlot = (scope: Scope.Scope): TimerSlot => {
  let handle: FiberHandle.FiberHandle | undefined
  return {
    arm: (timer) =>
      Effect.gen(function* () {
        handle ??= yield* FiberHandle.make().pipe(Scope.extend(scope))
        yield* FiberHandle.run(handle, timer)
      }),
    clear: Effect.suspend(() => (handle === undefined ? Effect.void : FiberHandle.clear(handle))),
  }
}
