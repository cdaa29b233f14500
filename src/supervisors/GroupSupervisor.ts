// A configured group ([supervisors.NAME]), as an OTP supervisor over its children: a mailbox
// and one fiber that owns their supervisors and the group's restart intensity. Every member's
// restart counts against the group's intensity, never the member's own (OTP: a child has
// none). one_for_all and rest_for_one children report a crash instead of restarting
// themselves; the group then makes one decision in its own fiber: count it, stop the siblings
// the strategy names in reverse start order, wait out the backoff (the group's own when
// configured, else the crashed child's), and start them all as boot does (StartSequence),
// each once the one before it runs. one_for_one children restart by themselves and the group
// only counts. Past its intensity the group stops every member in reverse order and is failed
// as a whole until a person starts it (or any member) again, and tells the root.
import { Clock, Deferred, Effect, Fiber, FiberHandle, Random, type Scope } from "effect"
import type { GroupSpec } from "../config/Config.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { Mailbox } from "../actors/Mailbox.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { nextFailureCount, restartDelay } from "./Backoff.ts"
import { GroupMessage, groupState, type GroupCommand, type GroupView } from "./GroupMessage.ts"
import { siblingsToRestart } from "./GroupStrategy.ts"
import { recordRestart } from "./Intensity.ts"
import type { ChildReport } from "./ServiceAction.ts"
import {
  COMMAND_BOUND_MS,
  makeServiceSupervisor,
  stopBound,
  type ServiceInit,
  type ServiceSupervisor,
  type TreeDeps,
} from "./ServiceSupervisor.ts"
import { startInOrder } from "./StartSequence.ts"
import { startAfter as orderOf } from "./StartOrder.ts"
import { ServiceBusy, ServiceClosing, ServiceUnresponsive } from "./SupervisorErrors.ts"
import { untilStopped } from "./ViewWaits.ts"

export type ChildInit = Omit<ServiceInit, "membership" | "report">

export interface GroupSupervisor {
  readonly spec: GroupSpec
  /** Its children's supervisors, in start order. */
  readonly children: ReadonlyArray<ServiceSupervisor>
  /** Why the group gave up, while it stays failed; undefined otherwise. */
  readonly failure: () => string | undefined
  readonly view: Effect.Effect<GroupView>
  /** A person's start, stop or restart of the whole group: answered once it is under way. */
  readonly command: (
    command: GroupCommand,
  ) => Effect.Effect<GroupView, ServiceClosing | ServiceBusy | ServiceUnresponsive>
  /**
   * A reload changed these members' specs: each restarts with its new spec, and with it the
   * siblings its strategy names (none for one_for_one), as a crash would. Answers who restarted.
   */
  readonly reconfigure: (specs: ReadonlyArray<ServiceSpec>) => Effect.Effect<ReadonlyArray<string>>
  /** Stops taking decisions (shutdown): a restart under way is abandoned; the root stops the children. */
  readonly stopDeciding: Effect.Effect<void>
}

export interface GroupOptions {
  /** What each member waits for before it starts (boot's order, as it is now); by default, the sibling before it. */
  readonly startAfter?: () => ReadonlyMap<string, ReadonlyArray<string>>
  /** Tells the root the group gave up (the root counts that against its own intensity). */
  readonly report?: (reason: string) => Effect.Effect<void>
}

export const makeGroupSupervisor = (
  spec: GroupSpec,
  inits: ReadonlyArray<ChildInit>,
  options: GroupOptions = {},
): Effect.Effect<GroupSupervisor, never, TreeDeps | Scope.Scope> =>
  Effect.gen(function* () {
    const views = yield* ServiceViews
    const mailbox = yield* Mailbox.make<GroupMessage>()
    const membership = spec.strategy === "one_for_one" ? "counted" : "delegated"
    const children: Array<ServiceSupervisor> = []
    for (const init of inits) {
      children.push(
        yield* makeServiceSupervisor({
          ...init,
          membership,
          report: (report) => mailbox.postInternal(GroupMessage.Reported({ report })),
        }),
      )
    }
    const byName = new Map(children.map((c) => [c.name, c]))
    const order = children.map((c) => c.name)
    const ownOrder = orderOf(
      inits.map((i) => i.spec),
      [spec],
    )
    const startAfter = options.startAfter ?? (() => ownOrder)
    // A restart's or a person's start sequence runs beside the group's fiber, so a crash during
    // it is still heard: the next decision replaces it.
    const sequence = yield* FiberHandle.make<void, never>()
    let window: ReadonlyArray<number> = []
    let failure: string | undefined
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
        yield* FiberHandle.clear(sequence)
        const why = `group ${spec.name}: ${reason}`
        yield* Effect.logWarning(`${why}; giving up on ${order.join(", ")}`)
        failure = why
        for (const child of [...children].reverse()) yield* child.giveUp(why)
        window = []
        yield* (options.report ?? (() => Effect.void))(why)
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

    /** Runs a start (or stop) sequence beside the group's fiber, replacing the one under way. */
    const runSequence = (effect: Effect.Effect<void, never, ServiceViews>) =>
      FiberHandle.run(sequence, Effect.provideService(effect, ServiceViews, views)).pipe(Effect.asVoid)

    const restartWith = (crashed: ServiceSupervisor, due: number) =>
      Effect.gen(function* () {
        yield* FiberHandle.clear(sequence)
        const siblings = siblingsToRestart(spec.strategy, order, crashed.name)
        const why = `restarting with ${crashed.name} (${spec.strategy} in group ${spec.name})`
        for (const name of [...siblings].reverse()) yield* byName.get(name)?.halt(why, "group") ?? Effect.void
        // A member a replaced sequence had not started yet is still held: it starts with these.
        const again = children.filter((c) => c === crashed || siblings.includes(c.name) || c.heldByGroup())
        yield* runSequence(
          Effect.gen(function* () {
            const wait = due - (yield* Clock.currentTimeMillis)
            if (wait > 0) yield* Effect.sleep(wait)
            resumedAt = yield* Clock.currentTimeMillis
            yield* startInOrder(again, startAfter(), (c) => c.resume)
          }),
        )
      })

    const decide = (report: ChildReport): Effect.Effect<void> =>
      Effect.gen(function* () {
        const child = byName.get(report.name)
        if (child === undefined) return
        switch (report._tag) {
          case "Restarting":
            yield* withinIntensity
            return
          case "GaveUp":
            // Members have no intensity of their own: nothing gives up below the group.
            return
          case "Crashed": {
            // A crash whose child was restarted meanwhile (by an earlier decision) or stopped
            // by a person is no longer news: only a child still waiting for its group restarts.
            const due = child.restartDueAt()
            if (due === undefined) return
            if (yield* withinIntensity) yield* restartWith(child, yield* dueFor(due))
          }
        }
      })

    /**
     * A person's start: the group afresh (its failure and restart count forgotten), as boot starts
     * it. The order is read when the start happens: the root's services are not known yet when
     * the group is made, and a reload may change them.
     */
    const start = Effect.suspend(() => runSequence(startInOrder(children, startAfter(), (c) => c.launch)))

    const stop = runSequence(
      Effect.forEach(
        [...children].reverse(),
        (c) =>
          c.command("stop").pipe(
            Effect.zipRight(untilStopped(c.name, stopBound(c.spec()))),
            Effect.catchAll((f) =>
              Effect.logWarning(`group ${spec.name}: ${c.name} not stopped: ${f.message}`),
            ),
          ),
        { discard: true },
      ),
    )

    const restart = runSequence(
      Effect.gen(function* () {
        for (const c of [...children].reverse()) yield* c.halt(`restarted with group ${spec.name}`, "group")
        yield* startInOrder(children, startAfter(), (c) => c.launch)
      }),
    )

    const view = Effect.gen(function* () {
      const members = yield* Effect.forEach(order, (name) => views.get(name))
      return {
        name: spec.name,
        strategy: spec.strategy,
        children: order,
        state: groupState(failure, members),
        error: failure ?? null,
      }
    })

    const onCommand = (command: GroupCommand) =>
      Effect.gen(function* () {
        yield* FiberHandle.clear(sequence)
        failure = undefined
        window = []
        switch (command) {
          case "start":
            return yield* start
          case "stop":
            return yield* stop
          case "restart":
            return yield* restart
        }
      })

    const reconfigure = (specs: ReadonlyArray<ServiceSpec>) =>
      Effect.gen(function* () {
        yield* FiberHandle.clear(sequence)
        const changed = specs.map((s) => s.name)
        const affected = order.filter(
          (name) =>
            changed.includes(name) ||
            changed.some((c) => siblingsToRestart(spec.strategy, order, c).includes(name)),
        )
        const why = `restarting with a new config (reload; ${spec.strategy} in group ${spec.name})`
        for (const name of [...affected].reverse()) yield* byName.get(name)?.halt(why, "group") ?? Effect.void
        // Held and stopped, each changed member only takes its new spec; the sequence starts them.
        for (const next of specs) {
          const child = byName.get(next.name)
          if (child === undefined) continue
          yield* child
            .update(next, child.port())
            .pipe(Effect.catchAll((f) => Effect.logWarning(`${next.name}: not updated: ${f.message}`)))
        }
        yield* runSequence(
          startInOrder(
            children.filter((c) => affected.includes(c.name)),
            startAfter(),
            (c) => c.resume,
          ),
        )
        return affected
      })

    const handle = (message: GroupMessage): Effect.Effect<void> =>
      GroupMessage.$match(message, {
        Reconfigured: ({ specs, reply }) =>
          reconfigure(specs).pipe(Effect.flatMap((a) => Deferred.succeed(reply, a))),
        Reported: ({ report }) => decide(report),
        Commanded: ({ command, reply }) =>
          Effect.gen(function* () {
            // A caller that gave up (timed out) has its command dropped, not carried out late.
            if (yield* Deferred.isDone(reply)) return
            yield* onCommand(command)
            yield* Deferred.succeed(reply, yield* view)
          }),
      })

    const fiber = yield* mailbox.take.pipe(
      Effect.flatMap((message) =>
        handle(message).pipe(
          Effect.catchAllCause((cause) => Effect.logError(`group ${spec.name}: supervisor error`, cause)),
        ),
      ),
      Effect.forever,
      Effect.forkScoped,
    )

    return {
      spec,
      children,
      failure: () => failure,
      view,
      command: (command) =>
        Effect.gen(function* () {
          const reply = yield* Deferred.make<GroupView>()
          const refused = yield* mailbox.post(GroupMessage.Commanded({ command, reply }))
          if (refused !== undefined)
            return yield* refused._tag === "Closed"
              ? new ServiceClosing({ name: spec.name, reason: refused.reason })
              : new ServiceBusy({ name: spec.name, waiting: refused.capacity })
          return yield* Deferred.await(reply).pipe(
            Effect.timeoutFail({
              duration: COMMAND_BOUND_MS,
              onTimeout: () => new ServiceUnresponsive({ name: spec.name, ms: COMMAND_BOUND_MS }),
            }),
            Effect.tapError(() => Deferred.interrupt(reply)),
          )
        }),
      reconfigure: (specs) =>
        Effect.gen(function* () {
          const reply = yield* Deferred.make<ReadonlyArray<string>>()
          yield* mailbox.postInternal(GroupMessage.Reconfigured({ specs, reply }))
          return yield* Deferred.await(reply)
        }),
      stopDeciding: Effect.gen(function* () {
        mailbox.close("dockless is shutting down")
        yield* FiberHandle.clear(sequence)
        yield* Fiber.interrupt(fiber)
      }),
    }
  })
