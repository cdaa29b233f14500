// A configured group ([supervisors.NAME]): its children restart together by the group's
// strategy, and the group has its own intensity. When a child is about to be restarted after a
// crash, the siblings the strategy names are stopped in reverse order and started again in
// order (OTP one_for_all / rest_for_one); more restarts than the group's intensity allows and
// the whole group is given up on. An actor like the others: a mailbox and one fiber.
import { Clock, Effect, Queue, type Scope } from "effect"
import type { GroupSpec } from "../config/Config.ts"
import type { ServiceActor } from "../actors/ServiceActor.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { siblingsToRestart } from "./GroupStrategy.ts"
import { recordRestart } from "./Intensity.ts"

export interface GroupSupervisor {
  readonly spec: GroupSpec
  /** Told by a child's actor when it is about to restart that child after a crash. */
  readonly childRestarting: (child: string) => Effect.Effect<void>
}

const LIVE = new Set(["starting", "running", "stopping"])

/** Waits until the service no longer has a process (stopped, exited, failed, backoff). */
const settled = (name: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const views = yield* ServiceViews
      const subscription = yield* views.subscribe
      for (;;) {
        const view = yield* views.get(name)
        if (view === undefined || !LIVE.has(view.state)) return
        yield* Queue.take(subscription.events)
      }
    }),
  )

export const makeGroupSupervisor = (
  spec: GroupSpec,
  actor: (name: string) => ServiceActor | undefined,
): Effect.Effect<GroupSupervisor, never, ServiceViews | Scope.Scope> =>
  Effect.gen(function* () {
    const mailbox = yield* Queue.unbounded<string>()
    let window: ReadonlyArray<number> = []

    const members = (names: ReadonlyArray<string>) => names.flatMap((n) => actor(n) ?? [])

    const giveUp = (reason: string) =>
      Effect.forEach(
        members([...spec.children].reverse()),
        (a) => a.giveUp(`group ${spec.name}: ${reason}`),
        {
          discard: true,
        },
      )

    const restartSiblings = (child: string) =>
      Effect.gen(function* () {
        const siblings = siblingsToRestart(spec.strategy, spec.children, child)
        for (const sibling of members([...siblings].reverse())) {
          yield* sibling.halt(`restarting with ${child} (${spec.strategy} in group ${spec.name})`)
          yield* settled(sibling.name)
        }
        for (const sibling of members(siblings)) yield* sibling.resume
      })

    const onChildRestarting = (child: string) =>
      Effect.gen(function* () {
        const verdict = recordRestart(window, yield* Clock.currentTimeMillis, spec.intensity)
        if (verdict._tag === "Exceeded") return yield* giveUp(verdict.reason)
        window = verdict.window
        yield* restartSiblings(child)
      })

    yield* Queue.take(mailbox).pipe(
      Effect.flatMap(onChildRestarting),
      Effect.catchAllCause((cause) => Effect.logError(`group ${spec.name}: supervisor error`, cause)),
      Effect.forever,
      Effect.forkScoped,
    )
    return { spec, childRestarting: (child) => Queue.offer(mailbox, child).pipe(Effect.asVoid) }
  })
