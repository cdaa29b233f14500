// The root of the supervision tree: a mailbox and one fiber that owns a supervisor per
// [supervisors.NAME] group and one per service outside any group. It boots them in dependency
// order, takes registrations one at a time (a change is on disk before anything exists or is
// acknowledged; a failed one leaves nothing behind), and when its scope closes it terminates
// the whole tree in reverse dependency order: each service stops once everything that starts
// after it has stopped, independent branches concurrently, so shutdown costs the longest chain
// of stop timeouts, not their sum.
import {
  Clock,
  Context,
  Data,
  Deferred,
  Effect,
  Either,
  ExecutionStrategy,
  Fiber,
  Layer,
  Scope,
} from "effect"
import type { Config } from "../config/Config.ts"
import { encodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import { secretsOf, withKeptSecrets } from "../config/Secrets.ts"
import { writeSecrets } from "../state/SecretsFile.ts"
import { Mailbox } from "../actors/Mailbox.ts"
import { OutputCapture } from "../actors/OutputCapture.ts"
import type { ServiceView, Source } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { Escapees } from "../actors/Escapees.ts"
import { instanceOf } from "../os/Markers.ts"
import { takenPorts } from "../os/Ports.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
import { Store, type Desired, type ServiceRecord } from "../state/Store.ts"
import { bootInOrder } from "./Boot.ts"
import { makeGroupSupervisor, type ChildInit, type GroupSupervisor } from "./GroupSupervisor.ts"
import { conflictsOf, decodeSpec, nameOf, portOf, type Entry } from "./Registry.ts"
import type { Command } from "./ServiceEvent.ts"
import {
  COMMAND_BOUND_MS,
  makeServiceSupervisor,
  type CommandFailure,
  type DaemonIdentity,
  type ServiceSupervisor,
  type TreeDeps,
} from "./ServiceSupervisor.ts"
import { startAfter, stopAfter } from "./StartOrder.ts"
import {
  RootClosing,
  ServiceClosing,
  ServiceExists,
  ServiceFromConfig,
  ServiceNotFound,
  ServiceUnresponsive,
  SpecConflict,
  SpecInvalid,
} from "./SupervisorErrors.ts"

export type RegisterFailure = SpecInvalid | SpecConflict | ServiceExists | CommandFailure
export type ReplaceFailure = SpecInvalid | SpecConflict | ServiceNotFound | ServiceFromConfig | CommandFailure
export type UnregisterFailure = ServiceNotFound | ServiceFromConfig | ServiceClosing | StateFileUnwritable
type Bounded<E> = E | RootClosing | ServiceUnresponsive

export interface RootSupervisorShape {
  readonly service: (name: string) => Effect.Effect<ServiceSupervisor, ServiceNotFound>
  readonly services: Effect.Effect<ReadonlyArray<ServiceSupervisor>>
  readonly command: (
    name: string,
    command: Command,
  ) => Effect.Effect<ServiceView, ServiceNotFound | CommandFailure>
  readonly register: (raw: unknown) => Effect.Effect<ServiceView, Bounded<RegisterFailure>>
  readonly replace: (name: string, raw: unknown) => Effect.Effect<ServiceView, Bounded<ReplaceFailure>>
  readonly unregister: (name: string) => Effect.Effect<void, Bounded<UnregisterFailure>>
}

export class RootSupervisor extends Context.Tag("dockless/supervisors/RootSupervisor")<
  RootSupervisor,
  RootSupervisorShape
>() {
  /** Boots the tree: registered services restored, every service started per its desired state. */
  static readonly layer = (
    config: Config,
    registered: ReadonlyArray<ServiceSpec>,
    records: ReadonlyMap<string, ServiceRecord>,
  ): Layer.Layer<RootSupervisor, never, TreeDeps> =>
    Layer.scoped(RootSupervisor, makeRoot(config, registered, records))
}

type RootRequest = Data.TaggedEnum<{
  Register: {
    readonly raw: unknown
    readonly reply: Deferred.Deferred<ServiceView, RegisterFailure>
  }
  Replace: {
    readonly name: string
    readonly raw: unknown
    readonly reply: Deferred.Deferred<ServiceView, ReplaceFailure>
  }
  Unregister: { readonly name: string; readonly reply: Deferred.Deferred<void, UnregisterFailure> }
  /** A deleted service's supervisor has ended: its name may be registered again. */
  Removed: { readonly name: string }
}>
const RootRequest = Data.taggedEnum<RootRequest>()

const SHUTDOWN = "dockless is shutting down"

const captureFor = (config: Config, spec: ServiceSpec) =>
  new OutputCapture({
    file: spec.log.enabled
      ? {
          path: `${config.data_dir}/logs/${spec.name}.log`,
          maxBytes: spec.log.max_bytes,
          keep: spec.log.keep,
        }
      : undefined,
  })

const desiredFrom = (record: ServiceRecord | undefined, spec: ServiceSpec): Desired =>
  record?.desired ?? (spec.autostart ? "running" : "stopped")

const makeRoot = (
  config: Config,
  registered: ReadonlyArray<ServiceSpec>,
  records: ReadonlyMap<string, ServiceRecord>,
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const views = yield* ServiceViews
    const rootScope = yield* Effect.scope
    // Children live in a scope of their own, closed only after the ordered shutdown below.
    const childrenScope = yield* Scope.fork(rootScope, ExecutionStrategy.sequential)
    const context = yield* Effect.context<TreeDeps>()
    const escapees = yield* Escapees
    const identity: DaemonIdentity = {
      instance: instanceOf(config.data_dir),
      boot: (yield* Clock.currentTimeMillis).toString(36),
    }
    const mailbox = yield* Mailbox.make<RootRequest>()

    // Owned by the root fiber; other fibers read snapshots.
    let services = new Map<string, ServiceSupervisor>()
    /** Deleted services still stopping: they answer every command with 409 and the reason. */
    const removing = new Map<string, ServiceSupervisor>()
    const groups: Array<GroupSupervisor> = []

    const entries = (): Array<Entry> =>
      [...services.values()].map((s) => ({ name: s.name, source: s.source, spec: s.spec(), port: s.port() }))
    const inChildren = <A, R>(effect: Effect.Effect<A, never, R | Scope.Scope>) =>
      effect.pipe(Scope.extend(childrenScope), Effect.provide(context))

    // ---- boot ----
    const all: Array<{ spec: ServiceSpec; source: Source }> = [
      ...config.services.map((spec) => ({ spec, source: "config" as const })),
      ...registered.map((spec) => ({ spec, source: "api" as const })),
    ]
    const inits = new Map<string, ChildInit>()
    const known: Array<Entry> = []
    for (const { spec, source } of all) {
      const previous = records.get(spec.name)?.port
      const port = portOf(config, known, spec, previous, new Set(takenPorts().keys()))
      if (Either.isLeft(port)) yield* Effect.logError(`${spec.name}: ${port.left.message}`)
      const assigned = Either.getOrUndefined(port)
      if (spec.port === "auto" && assigned !== undefined && assigned !== previous)
        yield* store.recordPort(spec.name, assigned)
      known.push({ name: spec.name, source, spec, port: assigned })
      inits.set(spec.name, {
        identity,
        spec,
        source,
        port: assigned,
        desired: desiredFrom(records.get(spec.name), spec),
        capture: captureFor(config, spec),
      })
    }
    const created = new Map<string, ServiceSupervisor>()
    for (const group of config.supervisors) {
      const members = group.children.flatMap((n) => inits.get(n) ?? [])
      const supervisor = yield* inChildren(makeGroupSupervisor(group, members))
      groups.push(supervisor)
      supervisor.children.forEach((c) => created.set(c.name, c))
    }
    for (const [name, init] of inits) {
      if (created.has(name)) continue
      created.set(
        name,
        yield* inChildren(makeServiceSupervisor({ ...init, membership: "alone", report: () => Effect.void })),
      )
    }
    services = new Map(all.flatMap(({ spec }) => created.get(spec.name) ?? []).map((s) => [s.name, s]))
    const order = startAfter(
      all.map(({ spec }) => spec),
      config.supervisors,
    )
    const booting = yield* Effect.forkIn(
      bootInOrder(
        [...services.values()].filter((s) => inits.get(s.name)?.desired === "running"),
        order,
      ),
      rootScope,
    )

    // ---- shutdown ----
    const shutdown = Effect.gen(function* () {
      mailbox.close(SHUTDOWN)
      const everyone = [...services.values()]
      everyone.forEach((s) => s.refuse(SHUTDOWN))
      yield* Fiber.interrupt(booting)
      yield* Effect.forEach(groups, (g) => g.stopDeciding, { discard: true })
      const after = stopAfter(
        startAfter(
          everyone.map((s) => s.spec()),
          config.supervisors,
        ),
      )
      const stopped = new Map<string, Deferred.Deferred<void>>()
      for (const s of everyone) stopped.set(s.name, yield* Deferred.make<void>())
      yield* Effect.forEach(
        everyone,
        (s) =>
          Effect.gen(function* () {
            for (const dependant of after.get(s.name) ?? []) {
              const done = stopped.get(dependant)
              if (done !== undefined) yield* Deferred.await(done)
            }
            yield* s.close(SHUTDOWN)
            const done = stopped.get(s.name)
            if (done !== undefined) yield* Deferred.succeed(done, undefined)
          }),
        { concurrency: "unbounded", discard: true },
      )
      // What escaped every group and still carries this daemon's marker goes too.
      const escaped = yield* escapees.killAll(identity.instance)
      if (escaped.length > 0)
        yield* Effect.logWarning(`killed ${escaped.join(", ")}: left over from services`)
    })
    yield* Effect.addFinalizer(() => shutdown)

    // ---- registrations, one at a time ----
    // Secret env values go to their own 0600 file: services.json has them redacted.
    const saveRegistered = (list: ReadonlyArray<ServiceSpec>) =>
      writeSecrets(config.data_dir, list).pipe(
        Effect.zipRight(store.saveRegistered(list.map(encodeServiceSpec))),
      )
    const registeredSpecs = () =>
      [...services.values()].filter((s) => s.source === "api").map((s) => s.spec())

    const find = (name: string) =>
      Effect.suspend(() => {
        const found = services.get(name)
        return found === undefined ? Effect.fail(new ServiceNotFound({ name })) : Effect.succeed(found)
      })
    /** A service, or one still being deleted (whose commands are then refused with the reason). */
    const findForCommand = (name: string) =>
      Effect.suspend(() => {
        const found = services.get(name) ?? removing.get(name)
        return found === undefined ? Effect.fail(new ServiceNotFound({ name })) : Effect.succeed(found)
      })

    const register = (raw: unknown) =>
      Effect.gen(function* () {
        const spec = yield* decodeSpec(config, raw, nameOf(raw))
        if (removing.has(spec.name))
          return yield* new ServiceClosing({ name: spec.name, reason: "it is still being deleted" })
        if (services.has(spec.name)) return yield* new ServiceExists({ name: spec.name })
        const current = entries()
        const conflict = conflictsOf(config, current, spec)
        if (conflict !== undefined) return yield* conflict
        const port = yield* portOf(config, current, spec, undefined, new Set(takenPorts().keys()))
        // The desired state is saved with the registration: from now on autostart is only the
        // default of a service nobody has told otherwise, and a later PUT of it changes nothing.
        const desired = spec.autostart ? "running" : "stopped"
        yield* store.setDesired(spec.name, desired)
        yield* saveRegistered([...registeredSpecs(), spec])
        // On disk: only now does the service exist.
        const service = yield* inChildren(
          makeServiceSupervisor({
            identity,
            spec,
            source: "api",
            port,
            desired,
            membership: "alone",
            capture: captureFor(config, spec),
            report: () => Effect.void,
          }),
        )
        services = new Map(services).set(spec.name, service)
        if (spec.port === "auto" && port !== undefined) yield* store.recordPort(spec.name, port)
        return yield* service.resume
      })

    const replace = (name: string, raw: unknown) =>
      Effect.gen(function* () {
        const service = yield* find(name)
        if (service.source === "config") return yield* new ServiceFromConfig({ name })
        // A secret sent back as "••••" (as every view shows it) keeps its value.
        const old = service.spec()
        const spec = yield* decodeSpec(config, withKeptSecrets(raw, secretsOf(old.env, old.secret_env)), name)
        const current = entries()
        const conflict = conflictsOf(config, current, spec)
        if (conflict !== undefined) return yield* conflict
        const port = yield* portOf(config, current, spec, service.port(), new Set(takenPorts().keys()))
        // A service registered before desired states were saved with it keeps its current one.
        const desired = (yield* views.get(name))?.desired
        if (desired !== undefined) yield* store.setDesired(name, desired)
        yield* saveRegistered(registeredSpecs().map((s) => (s.name === name ? spec : s)))
        if (spec.port === "auto" && port !== undefined) yield* store.recordPort(name, port)
        return yield* service.update(spec, port)
      })

    const unregister = (name: string, reply: Deferred.Deferred<void, UnregisterFailure>) =>
      Effect.gen(function* () {
        const service = yield* find(name)
        if (service.source === "config") return yield* new ServiceFromConfig({ name })
        yield* saveRegistered(registeredSpecs().filter((s) => s.name !== name))
        // Gone from services.json: from now on it takes no commands, and it stops.
        service.refuse("it is being deleted")
        const next = new Map(services)
        next.delete(name)
        services = next
        removing.set(name, service)
        yield* Effect.forkIn(
          Effect.gen(function* () {
            yield* service.close("the service was deleted")
            yield* views.remove(name)
            yield* store.forget(name)
            yield* mailbox.postInternal(RootRequest.Removed({ name }))
            yield* Deferred.succeed(reply, undefined)
          }),
          rootScope,
        )
      })

    const handle = (request: RootRequest): Effect.Effect<void> =>
      RootRequest.$match(request, {
        Register: ({ raw, reply }) =>
          Effect.exit(register(raw)).pipe(Effect.flatMap((e) => Deferred.done(reply, e))),
        Replace: ({ name, raw, reply }) =>
          Effect.exit(replace(name, raw)).pipe(Effect.flatMap((e) => Deferred.done(reply, e))),
        Unregister: ({ name, reply }) =>
          unregister(name, reply).pipe(Effect.catchAll((failure) => Deferred.fail(reply, failure))),
        Removed: ({ name }) => Effect.sync(() => removing.delete(name)),
      }).pipe(Effect.asVoid)

    yield* Effect.forkIn(
      mailbox.take.pipe(
        Effect.flatMap((request) =>
          handle(request).pipe(
            Effect.catchAllCause((cause) => Effect.logError("root supervisor error", cause)),
          ),
        ),
        Effect.forever,
      ),
      rootScope,
    )

    /** Sends a request to the root fiber and waits for its answer, refused at once while shutting down. */
    const call = <A, E>(make: (reply: Deferred.Deferred<A, E>) => RootRequest, bound: number | undefined) =>
      Effect.gen(function* () {
        const reply = yield* Deferred.make<A, E>()
        const refused = yield* mailbox.post(make(reply))
        if (refused !== undefined) return yield* new RootClosing({ reason: refused })
        const answer = Deferred.await(reply)
        return yield* bound === undefined
          ? answer
          : answer.pipe(
              Effect.timeoutFail({
                duration: bound,
                onTimeout: () => new ServiceUnresponsive({ name: "dockless", ms: bound }),
              }),
            )
      })

    const shape: RootSupervisorShape = {
      service: find,
      services: Effect.sync(() => [...services.values()]),
      command: (name, command) => findForCommand(name).pipe(Effect.flatMap((s) => s.command(command))),
      register: (raw) =>
        call<ServiceView, RegisterFailure>((reply) => RootRequest.Register({ raw, reply }), COMMAND_BOUND_MS),
      replace: (name, raw) =>
        call<ServiceView, ReplaceFailure>(
          (reply) => RootRequest.Replace({ name, raw, reply }),
          COMMAND_BOUND_MS,
        ),
      // Bounded by the service's own stop protocol (stop_timeout, then SIGKILL and its grace).
      unregister: (name) =>
        call<void, UnregisterFailure>((reply) => RootRequest.Unregister({ name, reply }), undefined),
    }
    return shape
  })
