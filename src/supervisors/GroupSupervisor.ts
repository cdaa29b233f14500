// A configured group ([supervisors.NAME]), as an OTP supervisor over its children: a mailbox
// and one fiber that owns their supervisors. one_for_all and rest_for_one children report a
// crash instead of restarting themselves; the group then makes one decision, in its own fiber
// so nothing interleaves with half of it: count it against the group's intensity, stop the
// siblings the strategy names in reverse start order, wait out the backoff (the group's own
// when configured, else the crashed child's),
// and start them all (the crashed one included) in start order, each once the one before it
// runs. one_for_one children restart by themselves and the group only counts. More restarts
// than the group's intensity allows and the group gives up on every child, in reverse order.
import { Clock, Effect, Fiber, Queue, Random, type Scope } from "effect"
import type { GroupSpec } from "../config/Config.ts"
import { Mailbox } from "../actors/Mailbox.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { nextFailureCount, restartDelay } from "./Backoff.ts"
import { siblingsToRestart } from "./GroupStrategy.ts"
import { recordRestart } from "./Intensity.ts"
import type { ChildReport } from "./ServiceAction.ts"
import {
  makeServiceSupervisor,
  type ServiceInit,
  type ServiceSupervisor,
  type TreeDeps,
} from "./ServiceSupervisor.ts"

export type ChildInit = Omit<ServiceInit, "membership" | "report">

export interface GroupSupervisor {
  readonly spec: GroupSpec
  /** Its children's supervisors, in start order. */
  readonly children: ReadonlyArray<ServiceSupervisor>
  /** Stops taking decisions (shutdown): a restart under way is abandoned; the root stops the children. */
  readonly stopDeciding: Effect.Effect<void>
}

const STARTING = new Set(["starting"])

/** Waits until the service is no longer starting: running, or it ended some other way. */
const settled = (name: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const views = yield* ServiceViews
      const subscription = yield* views.subscribe
      for (;;) {
        const view = yield* views.get(name)
        if (view === undefined || !STARTING.has(view.state)) return
        yield* Queue.take(subscription.events)
      }
    }),
  )

export const makeGroupSupervisor = (
  spec: GroupSpec,
  inits: ReadonlyArray<ChildInit>,
): Effect.Effect<GroupSupervisor, never, TreeDeps | Scope.Scope> =>
  Effect.gen(function* () {
    const mailbox = yield* Mailbox.make<ChildReport>()
    const membership = spec.strategy === "one_for_one" ? "counted" : "delegated"
    const children: Array<ServiceSupervisor> = []
    for (const init of inits) {
      children.push(
        yield* makeServiceSupervisor({ ...init, membership, report: (r) => mailbox.postInternal(r) }),
      )
    }
    const byName = new Map(children.map((c) => [c.name, c]))
    const order = children.map((c) => c.name)
    let window: ReadonlyArray<number> = []
    // The group's own backoff counts its consecutive restarts, reset once the restarted
    // children ran for its reset_after.
    let failures = 0
    let resumedAt = 0

    /** When the crashed child should start again: the group's backoff overrides the child's. */
    const dueFor = (childDue: number) =>
      Effect.gen(function* () {
        const backoff = spec.backoff
        if (backoff === undefined) return childDue
        const now = yield* Clock.currentTimeMillis
        failures = nextFailureCount(backoff, failures, now - resumedAt)
        return now + restartDelay(backoff, failures, yield* Random.next)
      })

    const giveUp = (reason: string) =>
      Effect.gen(function* () {
        yield* Effect.logWarning(`group ${spec.name}: ${reason}; giving up on ${order.join(", ")}`)
        for (const child of [...children].reverse()) yield* child.giveUp(`group ${spec.name}: ${reason}`)
        window = []
      })

    /** Counts a restart against the group's intensity; false when the group has given up. */
    const withinIntensity = Effect.gen(function* () {
      const verdict = recordRestart(window, yield* Clock.currentTimeMillis, spec.intensity)
      if (verdict._tag === "Within") {
        window = verdict.window
        return true
      }
      yield* giveUp(verdict.reason)
      return false
    })

    const restartWith = (crashed: ServiceSupervisor, due: number) =>
      Effect.gen(function* () {
        const siblings = siblingsToRestart(spec.strategy, order, crashed.name)
        const why = `restarting with ${crashed.name} (${spec.strategy} in group ${spec.name})`
        for (const name of [...siblings].reverse()) yield* byName.get(name)?.halt(why) ?? Effect.void
        const wait = due - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(wait)
        resumedAt = yield* Clock.currentTimeMillis
        for (const child of children) {
          if (child !== crashed && !siblings.includes(child.name)) continue
          const view = yield* Effect.either(child.resume)
          if (view._tag === "Right" && view.right.state === "starting") yield* settled(child.name)
        }
      })

    const decide = (report: ChildReport): Effect.Effect<void, never, ServiceViews> =>
      Effect.gen(function* () {
        const child = byName.get(report.name)
        if (child === undefined) return
        if (report._tag === "Restarting") {
          yield* withinIntensity
          return
        }
        // A crash whose child was restarted meanwhile (by an earlier decision) or stopped by a
        // person is no longer news: only a child still waiting for its group is restarted.
        const due = child.restartDueAt()
        if (due === undefined) return
        if (yield* withinIntensity) yield* restartWith(child, yield* dueFor(due))
      })

    const fiber = yield* mailbox.take.pipe(
      Effect.flatMap((report) =>
        decide(report).pipe(
          Effect.catchAllCause((cause) => Effect.logError(`group ${spec.name}: supervisor error`, cause)),
        ),
      ),
      Effect.forever,
      Effect.forkScoped,
    )

    return {
      spec,
      children,
      stopDeciding: Effect.suspend(() => {
        mailbox.close("dockless is shutting down")
        return Fiber.interrupt(fiber)
      }),
    }
  })
