// The root of the supervision tree: a mailbox and one fiber that owns a supervisor per
// [supervisors.NAME] group and one per service outside any group. It boots them in dependency
// order, takes registrations one at a time (a change is on disk before anything exists or is
// acknowledged; a failed one leaves nothing behind), stops and starts dependants as their
// dependencies fail and recover (Dependencies.ts), counts its children giving up against its
// own intensity (past it, Dockless itself is at fault and exits for systemd to restart it, as
// OTP's root does), and when its scope closes it terminates the whole tree in reverse
// dependency order: each service stops once everything that starts after it has stopped,
// independent branches concurrently, within a deadline (ShutdownDeadline.ts) after which
// whatever is left is killed.
import {
  Clock,
  Context,
  Data,
  Deferred,
  Effect,
  Either,
  ExecutionStrategy,
  Fiber,
  FiberSet,
  Layer,
  Scope,
} from "effect"
import type { Config, GroupSpec } from "../config/Config.ts"
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
import { startInOrder } from "./StartSequence.ts"
import { followDependencies } from "./Dependencies.ts"
import type { GroupCommand, GroupView } from "./GroupMessage.ts"
import { makeGroupSupervisor, type ChildInit, type GroupSupervisor } from "./GroupSupervisor.ts"
import { recordRestart } from "./Intensity.ts"
import { shutdownDeadline } from "./ShutdownDeadline.ts"
import { applyReload, type ReloadAnswer, type TreeEdits } from "./Reload.ts"
import type { ConfigInvalid } from "../config/ConfigError.ts"
import { loadConfig } from "../config/ConfigFile.ts"
import { conflictsOf, decodeSpec, nameOf, portOf, reloadConflicts, type Entry } from "./Registry.ts"
import type { Command } from "./ServiceEvent.ts"
import {
  COMMAND_BOUND_MS,
  makeServiceSupervisor,
  stopBound,
  type CommandFailure,
  type DaemonIdentity,
  type ServiceSupervisor,
  type TreeDeps,
} from "./ServiceSupervisor.ts"
import { startAfter, stopAfter } from "./StartOrder.ts"
import {
  GroupNotFound,
  NoConfigFile,
  RootClosing,
  ServiceBusy,
  ServiceClosing,
  ServiceExists,
  ServiceFromConfig,
  ServiceNotFound,
  ServiceUnresponsive,
  ReloadConflict,
  SpecConflict,
  SpecInvalid,
} from "./SupervisorErrors.ts"

export type RegisterFailure = SpecInvalid | SpecConflict | ServiceExists | CommandFailure
export type ReplaceFailure = SpecInvalid | SpecConflict | ServiceNotFound | ServiceFromConfig | CommandFailure
export type UnregisterFailure = ServiceNotFound | ServiceFromConfig | ServiceClosing | StateFileUnwritable
type Bounded<E> = E | RootClosing | ServiceUnresponsive | ServiceBusy
export type ReloadFailure = ConfigInvalid | ReloadConflict | NoConfigFile
export type GroupCommandFailure = GroupNotFound | ServiceClosing | ServiceBusy | ServiceUnresponsive

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
  readonly groups: Effect.Effect<ReadonlyArray<GroupView>>
  readonly group: (name: string) => Effect.Effect<GroupView, GroupNotFound>
  readonly groupCommand: (
    name: string,
    command: GroupCommand,
  ) => Effect.Effect<GroupView, GroupCommandFailure>
  /** Reads config.toml again and applies what changed; an invalid file changes nothing. */
  readonly reload: Effect.Effect<ReloadAnswer, Bounded<ReloadFailure>>
  /** Completes when the tree gave up past the root's intensity: Dockless should exit for systemd to restart it. */
  readonly fatal: Effect.Effect<string>
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
    onShutdown: (deadlineMs: number) => Effect.Effect<void> = () => Effect.void,
  ): Layer.Layer<RootSupervisor, never, TreeDeps> =>
    Layer.scoped(RootSupervisor, makeRoot(config, registered, records, onShutdown))
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
  /** A service alone, or a group, gave up: counted against the root's intensity. */
  GaveUp: { readonly name: string; readonly reason: string }
  /** Read config.toml again and apply what changed. */
  Reload: { readonly reply: Deferred.Deferred<ReloadAnswer, ReloadFailure> }
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

/**
 * Where notify sockets go. data_dir is 0700, so a service running as another `user` could not
 * reach a socket inside it: as root (the only way `user` works) they go under /run/dockless, one
 * folder per daemon instance; otherwise in data_dir/run.
 */
const runDirOf = (dataDir: string): string =>
  process.getuid?.() === 0 ? `/run/dockless/${instanceOf(dataDir)}` : `${dataDir}/run`

const hostPorts = (): ReadonlySet<number> => new Set(takenPorts().keys())

const desiredFrom = (record: ServiceRecord | undefined, spec: ServiceSpec): Desired =>
  record?.desired ?? (spec.autostart ? "running" : "stopped")

const makeRoot = (
  initial: Config,
  registered: ReadonlyArray<ServiceSpec>,
  records: ReadonlyMap<string, ServiceRecord>,
  onShutdown: (deadlineMs: number) => Effect.Effect<void>,
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const views = yield* ServiceViews
    /** The config the tree runs on: the file's, until a reload adopts a new one. */
    let config = initial
    const rootScope = yield* Effect.scope
    // Children live in a scope of their own, closed only after the ordered shutdown below.
    const childrenScope = yield* Scope.fork(rootScope, ExecutionStrategy.sequential)
    const context = yield* Effect.context<TreeDeps>()
    const escapees = yield* Escapees
    const identity: DaemonIdentity = {
      instance: instanceOf(config.data_dir),
      boot: (yield* Clock.currentTimeMillis).toString(36),
      runDir: runDirOf(config.data_dir),
    }
    const mailbox = yield* Mailbox.make<RootRequest>()
    const fatal = yield* Deferred.make<string>()
    /** The root's intensity window: when children gave up. */
    let gaveUp: ReadonlyArray<number> = []
    const reportUp = (name: string) => (reason: string) =>
      mailbox.postInternal(RootRequest.GaveUp({ name, reason }))

    // Owned by the root fiber; other fibers read snapshots.
    let services = new Map<string, ServiceSupervisor>()
    /** Deleted services still stopping: they answer every command with 409 and the reason. */
    const removing = new Map<string, ServiceSupervisor>()
    let groups: ReadonlyArray<GroupSupervisor> = []
    const groupOf = (name: string) => groups.find((g) => g.children.some((c) => c.name === name))
    /** The order of everything known now: config services, then registered ones. */
    const currentOrder = () =>
      startAfter(
        [...services.values()].map((s) => s.spec()),
        config.supervisors,
      )

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
    // Read once for the whole boot, and only if some service asks for an automatic port: read
    // for each of 200 services it was 0.7 s of a cold start.
    let bootPorts: ReadonlySet<number> | undefined
    const takenAtBoot = () => (bootPorts ??= hostPorts())
    for (const { spec, source } of all) {
      const previous = records.get(spec.name)?.port
      const port = portOf(config, known, spec, previous, takenAtBoot)
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
    const order = startAfter(
      all.map(({ spec }) => spec),
      config.supervisors,
    )
    const makeGroup = (group: GroupSpec, members: ReadonlyArray<ChildInit>) =>
      makeGroupSupervisor(group, members, { startAfter: currentOrder, report: reportUp(group.name) })
    const created = new Map<string, ServiceSupervisor>()
    for (const group of config.supervisors) {
      const members = group.children.flatMap((n) => inits.get(n) ?? [])
      const supervisor = yield* inChildren(makeGroup(group, members))
      groups = [...groups, supervisor]
      supervisor.children.forEach((c) => created.set(c.name, c))
    }
    const aloneOf = (init: ChildInit) =>
      makeServiceSupervisor({
        ...init,
        membership: "alone",
        report: (report) => (report._tag === "GaveUp" ? reportUp(report.name)(report.reason) : Effect.void),
      })
    for (const [name, init] of inits) {
      if (created.has(name)) continue
      created.set(name, yield* inChildren(aloneOf(init)))
    }
    services = new Map(all.flatMap(({ spec }) => created.get(spec.name) ?? []).map((s) => [s.name, s]))
    const booting = yield* Effect.forkIn(
      startInOrder(
        [...services.values()].filter((s) => inits.get(s.name)?.desired === "running"),
        order,
        (s) => s.resume,
      ),
      rootScope,
    )
    const watching = yield* followDependencies(() => services, currentOrder).pipe(
      Effect.provide(context),
      Scope.extend(rootScope),
    )

    // ---- shutdown ----
    const shutdown = Effect.gen(function* () {
      mailbox.close(SHUTDOWN)
      const everyone = [...services.values(), ...removing.values()]
      everyone.forEach((s) => s.refuse(SHUTDOWN))
      yield* Fiber.interrupt(booting)
      yield* FiberSet.clear(starts)
      yield* Fiber.interrupt(watching)
      yield* Effect.forEach(groups, (g) => g.stopDeciding, { discard: true })
      const after = stopAfter(
        startAfter(
          everyone.map((s) => s.spec()),
          config.supervisors,
        ),
      )
      const deadline = shutdownDeadline(
        everyone.map((s) => s.spec()),
        after,
      )
      yield* onShutdown(deadline)
      const stopped = new Map<string, Deferred.Deferred<void>>()
      for (const s of everyone) stopped.set(s.name, yield* Deferred.make<void>())
      const ordered = Effect.forEach(
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
      const inTime = yield* ordered.pipe(Effect.timeout(deadline), Effect.option)
      if (inTime._tag === "None") {
        const left = everyone.filter((s) => s.pid() !== undefined)
        yield* Effect.logError(
          `shutdown deadline of ${deadline} ms passed; killing what is left` +
            (left.length > 0 ? `: ${left.map((s) => `${s.name} (pid ${s.pid()})`).join(", ")}` : ""),
        )
        for (const s of everyone) {
          const refused = s.killNow()
          if (refused !== undefined) yield* Effect.logError(`${s.name}: ${refused}`)
        }
      }
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

    const findGroup = (name: string) =>
      Effect.suspend(() => {
        const found = groups.find((g) => g.spec.name === name)
        return found === undefined ? Effect.fail(new GroupNotFound({ name })) : Effect.succeed(found)
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
        const port = yield* portOf(config, current, spec, undefined, hostPorts)
        // The desired state is saved with the registration: from now on autostart is only the
        // default of a service nobody has told otherwise, and a later PUT of it changes nothing.
        const desired = spec.autostart ? "running" : "stopped"
        yield* store.setDesired(spec.name, desired)
        yield* saveRegistered([...registeredSpecs(), spec])
        // On disk: only now does the service exist.
        const service = yield* inChildren(
          aloneOf({ identity, spec, source: "api", port, desired, capture: captureFor(config, spec) }),
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
        const port = yield* portOf(config, current, spec, service.port(), hostPorts)
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

    /** OTP's root: past its intensity the tree cannot be saved from inside; Dockless exits and systemd restarts it. */
    const countGaveUp = (name: string, reason: string) =>
      Effect.gen(function* () {
        const verdict = recordRestart(gaveUp, yield* Clock.currentTimeMillis, config.supervisor.intensity)
        if (verdict._tag === "Within") {
          gaveUp = verdict.window
          return
        }
        const why = `${verdict.reason.replace("restarts", "services or groups gave up")} (the last: ${name}, ${reason})`
        yield* Effect.logError(
          `dockless fault: ${why}; exiting so that systemd restarts it ([supervisor] intensity)`,
        )
        yield* Deferred.succeed(fatal, why)
      })

    /** New services' starts, as boot's: interrupted at shutdown like the boot itself. */
    const starts = yield* FiberSet.make<void, never>().pipe(Scope.extend(rootScope))

    const initOf = (spec: ServiceSpec, desired: Desired): Effect.Effect<ChildInit> =>
      Effect.gen(function* () {
        const port = portOf(config, entries(), spec, undefined, hostPorts)
        if (Either.isLeft(port)) yield* Effect.logError(`${spec.name}: ${port.left.message}`)
        const assigned = Either.getOrUndefined(port)
        if (spec.port === "auto" && assigned !== undefined) yield* store.recordPort(spec.name, assigned)
        return {
          identity,
          spec,
          source: "config",
          port: assigned,
          desired,
          capture: captureFor(config, spec),
        }
      })

    const edits: TreeEdits = {
      service: (name) => services.get(name),
      group: (name) => groups.find((g) => g.spec.name === name),
      desiredOf: (name) => views.get(name).pipe(Effect.map((v) => v?.desired)),
      drop: (name, why) =>
        Effect.gen(function* () {
          const service = services.get(name)
          if (service === undefined) return
          const next = new Map(services)
          next.delete(name)
          services = next
          service.refuse(why)
          yield* service.close(why)
          yield* views.remove(name)
          yield* store.forget(name)
        }),
      dropGroup: (name) =>
        Effect.gen(function* () {
          const group = groups.find((g) => g.spec.name === name)
          if (group === undefined) return
          groups = groups.filter((g) => g !== group)
          yield* group.stopDeciding
        }),
      addAlone: (spec, desired) =>
        Effect.gen(function* () {
          const service = yield* inChildren(aloneOf(yield* initOf(spec, desired)))
          services = new Map(services).set(spec.name, service)
        }),
      addGroup: (spec, members) =>
        Effect.gen(function* () {
          const inits = yield* Effect.forEach(members, (m) => initOf(m.spec, m.desired))
          const group = yield* inChildren(makeGroup(spec, inits))
          groups = [...groups, group]
          const next = new Map(services)
          for (const child of group.children) next.set(child.name, child)
          services = next
        }),
      start: (names) =>
        FiberSet.run(
          starts,
          startInOrder(
            names.flatMap((n) => services.get(n) ?? []),
            currentOrder(),
            (s) => s.resume,
          ).pipe(Effect.provide(context)),
        ).pipe(Effect.asVoid),
      adopt: (after) => {
        // What only a restart applies stays as Dockless started with it (reported as needs_restart).
        config = {
          ...after,
          listen_port: config.listen_port,
          listen_host: config.listen_host,
          data_dir: config.data_dir,
          auth: config.auth,
          http: config.http,
          ports: config.ports,
        }
      },
    }

    const reload = Effect.gen(function* () {
      const file = config.file
      if (file === undefined) return yield* new NoConfigFile()
      const after = yield* loadConfig(file)
      // Services registered through the API stay: the new file must not collide with them.
      const clash = reloadConflicts(after, registeredSpecs())
      if (clash.length > 0) return yield* new ReloadConflict({ issues: clash })
      const answer = yield* applyReload(edits, config, after)
      // The list keeps its order: config services as in the file, then registered ones.
      const bySource = [
        ...config.services.flatMap((s) => services.get(s.name) ?? []),
        ...[...services.values()].filter((s) => s.source === "api"),
      ]
      services = new Map(bySource.map((s) => [s.name, s]))
      yield* Effect.logInfo(
        `reloaded ${file}: added ${answer.added.length}, removed ${answer.removed.length}, ` +
          `restarted ${answer.restarted.length}, kept ${answer.kept.length}` +
          (answer.needs_restart.length > 0 ? `; needs a restart for ${answer.needs_restart.join(", ")}` : ""),
      )
      return answer
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
        GaveUp: ({ name, reason }) => countGaveUp(name, reason),
        Reload: ({ reply }) => Effect.exit(reload).pipe(Effect.flatMap((e) => Deferred.done(reply, e))),
      }).pipe(Effect.asVoid)

    /** A request whose caller already had its answer (a timeout) is not carried out any more. */
    const callerGaveUp: (request: RootRequest) => Effect.Effect<boolean> = RootRequest.$match({
      Register: ({ reply }) => Deferred.isDone(reply),
      Replace: ({ reply }) => Deferred.isDone(reply),
      Unregister: ({ reply }) => Deferred.isDone(reply),
      Reload: ({ reply }) => Deferred.isDone(reply),
      Removed: () => Effect.succeed(false),
      GaveUp: () => Effect.succeed(false),
    })

    yield* Effect.forkIn(
      mailbox.take.pipe(
        Effect.flatMap((request) =>
          Effect.if(callerGaveUp(request), {
            onTrue: () => Effect.logWarning(`dropped a ${request._tag} whose caller stopped waiting for it`),
            onFalse: () => handle(request),
          }).pipe(Effect.catchAllCause((cause) => Effect.logError("root supervisor error", cause))),
        ),
        Effect.forever,
      ),
      rootScope,
    )

    /**
     * Sends a request to the root fiber and waits for its answer, refused at once while shutting
     * down. A caller that times out (or is interrupted) interrupts its reply, so the request is
     * dropped when its turn comes instead of being carried out after the person was told it failed.
     */
    const call = <A, E>(make: (reply: Deferred.Deferred<A, E>) => RootRequest, bound: number | undefined) =>
      Effect.gen(function* () {
        const reply = yield* Deferred.make<A, E>()
        const refused = yield* mailbox.post(make(reply))
        if (refused !== undefined)
          return yield* refused._tag === "Closed"
            ? new RootClosing({ reason: refused.reason })
            : new ServiceBusy({ name: "dockless", waiting: refused.capacity })
        const answer = Deferred.await(reply)
        return yield* (
          bound === undefined
            ? answer
            : answer.pipe(
                Effect.timeoutFail({
                  duration: bound,
                  onTimeout: () => new ServiceUnresponsive({ name: "dockless", ms: bound }),
                }),
              )
        ).pipe(Effect.onError(() => Deferred.interrupt(reply)))
      })

    const shape: RootSupervisorShape = {
      service: find,
      services: Effect.sync(() => [...services.values()]),
      command: (name, command) =>
        findForCommand(name).pipe(
          Effect.flatMap((s) => {
            // A person's start of any member of a failed group starts the whole group afresh.
            const group = groupOf(name)
            if (command !== "stop" && group?.failure() !== undefined)
              return group.command("start").pipe(Effect.zipRight(s.view))
            return s.command(command)
          }),
        ),
      register: (raw) =>
        call<ServiceView, RegisterFailure>((reply) => RootRequest.Register({ raw, reply }), COMMAND_BOUND_MS),
      replace: (name, raw) =>
        call<ServiceView, ReplaceFailure>(
          (reply) => RootRequest.Replace({ name, raw, reply }),
          COMMAND_BOUND_MS,
        ),
      // Bounded by the service's own stop protocol (stop_timeout, then SIGKILL and its grace).
      unregister: (name) =>
        Effect.gen(function* () {
          const bound = services.get(name)?.spec() ?? removing.get(name)?.spec()
          return yield* call<void, UnregisterFailure>(
            (reply) => RootRequest.Unregister({ name, reply }),
            COMMAND_BOUND_MS + (bound === undefined ? 0 : stopBound(bound)),
          )
        }),
      reload: Effect.suspend(() =>
        call<ReloadAnswer, ReloadFailure>(
          (reply) => RootRequest.Reload({ reply }),
          shutdownDeadline(
            [...services.values()].map((s) => s.spec()),
            stopAfter(currentOrder()),
          ) + COMMAND_BOUND_MS,
        ),
      ),
      groups: Effect.suspend(() => Effect.forEach(groups, (g) => g.view)),
      group: (name) => findGroup(name).pipe(Effect.flatMap((g) => g.view)),
      groupCommand: (name, command) => findGroup(name).pipe(Effect.flatMap((g) => g.command(command))),
      fatal: Deferred.await(fatal),
    }
    return shape
  })
