// The root of the supervision tree: owns one actor per service (config order, then
// registration order) and a group supervisor per [supervisors.NAME]. It allocates auto ports,
// starts services once what they depend on runs, takes registrations (validated by the same
// decoder as config.toml, persisted before they are acknowledged) and, when its scope closes,
// stops every service in reverse start order, each layer concurrently.
import { join } from "node:path"
import { Context, Effect, ExecutionStrategy, Layer, Queue, Ref, Scope } from "effect"
import { checkServices, type Config, type GroupSpec } from "../config/Config.ts"
import { decodeServiceSpec, encodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import { OutputCapture } from "../actors/OutputCapture.ts"
import { makeServiceActor, type ServiceActor } from "../actors/ServiceActor.ts"
import type { Command } from "../actors/ServiceMessage.ts"
import type { Desired, ServiceView, Source } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { takenPorts } from "../os/Ports.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
import { Store, type ServiceRecord } from "../state/Store.ts"
import { makeGroupSupervisor, type GroupSupervisor } from "./GroupSupervisor.ts"
import { allocatePort } from "./PortAllocator.ts"
import { startLayers } from "./StartOrder.ts"
import {
  ServiceExists,
  ServiceFromConfig,
  ServiceNotFound,
  SpecConflict,
  SpecInvalid,
} from "./SupervisorErrors.ts"

export interface RootSupervisorShape {
  readonly actor: (name: string) => Effect.Effect<ServiceActor, ServiceNotFound>
  readonly actors: Effect.Effect<ReadonlyArray<ServiceActor>>
  readonly command: (name: string, command: Command) => Effect.Effect<ServiceView, ServiceNotFound>
  readonly register: (
    raw: unknown,
  ) => Effect.Effect<ServiceView, SpecInvalid | SpecConflict | ServiceExists | StateFileUnwritable>
  readonly replace: (
    name: string,
    raw: unknown,
  ) => Effect.Effect<
    ServiceView,
    SpecInvalid | SpecConflict | ServiceNotFound | ServiceFromConfig | StateFileUnwritable
  >
  readonly unregister: (
    name: string,
  ) => Effect.Effect<void, ServiceNotFound | ServiceFromConfig | StateFileUnwritable>
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
  ) => Layer.scoped(RootSupervisor, makeRoot(config, registered, records))
}

const logPathOf = (config: Config, spec: ServiceSpec) =>
  spec.log.enabled
    ? {
        path: join(config.data_dir, "logs", `${spec.name}.log`),
        maxBytes: spec.log.max_bytes,
        keep: spec.log.keep,
      }
    : undefined

const desiredFrom = (record: ServiceRecord | undefined, spec: ServiceSpec): Desired =>
  record?.desired ?? (spec.autostart ? "running" : "stopped")

/** What a service waits for before it starts: its depends_on, and the sibling before it in its group. */
const startAfter = (spec: ServiceSpec, groups: ReadonlyArray<GroupSpec>): Array<string> => {
  const group = groups.find((g) => g.children.includes(spec.name))
  const previous = group === undefined ? undefined : group.children[group.children.indexOf(spec.name) - 1]
  return [...spec.depends_on, ...(previous === undefined ? [] : [previous])]
}

const makeRoot = (
  config: Config,
  registered: ReadonlyArray<ServiceSpec>,
  records: ReadonlyMap<string, ServiceRecord>,
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const views = yield* ServiceViews
    const rootScope = yield* Effect.scope
    const actors = yield* Ref.make(new Map<string, ServiceActor>())
    const groups = new Map<string, GroupSupervisor>()
    const registry = yield* Effect.makeSemaphore(1)
    const context = yield* Effect.context<Store | ServiceViews>()

    const current = Ref.get(actors)
    const specs = current.pipe(Effect.map((m) => [...m.values()].map((a) => a.spec())))

    /** Ports reserved by every service but `except`: their `ports`, `port`, and allocated auto ports. */
    const reservedPorts = (except: string) =>
      current.pipe(
        Effect.map((m) => {
          const reserved = new Set<number>([config.listen_port])
          for (const actor of m.values()) {
            if (actor.name === except) continue
            actor.spec().ports.forEach((p) => reserved.add(p))
            const port = actor.port()
            if (port !== undefined) reserved.add(port)
          }
          return reserved
        }),
      )

    /** The $PORT of a spec: its fixed `port`, or one allocated from ports.auto_range and remembered. */
    const portFor = (spec: ServiceSpec, previous: number | null | undefined) =>
      Effect.gen(function* () {
        if (spec.port === undefined) return undefined
        if (spec.port !== "auto") return spec.port
        const reserved = yield* reservedPorts(spec.name)
        spec.ports.forEach((p) => reserved.add(p))
        const port = allocatePort(config.ports.auto_range, reserved, new Set(takenPorts().keys()), previous)
        if (port === undefined) {
          return yield* new SpecConflict({
            issues: [
              {
                path: "port",
                message: `no free port left in ports.auto_range ${config.ports.auto_range.join("-")}`,
              },
            ],
          })
        }
        yield* store.update(spec.name, (r) => ({ ...r, port })).pipe(Effect.ignore)
        return port
      })

    const spawnActor = (spec: ServiceSpec, source: Source, port: number | undefined, desired: Desired) =>
      Effect.gen(function* () {
        const scope = yield* Scope.fork(rootScope, ExecutionStrategy.sequential)
        const actor = yield* makeServiceActor({
          spec,
          source,
          desired,
          port,
          capture: new OutputCapture({ file: logPathOf(config, spec) }),
          scope,
          onRestarting: (name) => {
            const group = [...groups.values()].find((g) => g.spec.children.includes(name))
            return group === undefined ? Effect.void : group.childRestarting(name)
          },
        })
        yield* Ref.update(actors, (m) => new Map(m).set(spec.name, actor))
        return actor
      }).pipe(Effect.provide(context))

    const find = (name: string) =>
      current.pipe(
        Effect.flatMap((m) => {
          const actor = m.get(name)
          return actor === undefined ? Effect.fail(new ServiceNotFound({ name })) : Effect.succeed(actor)
        }),
      )

    /**
     * Starts `actor` once every service it waits for is running (healthy, when it has a check).
     * It resumes rather than starts: if a person stopped the service meanwhile, it stays stopped.
     */
    const startWhenReady = (actor: ServiceActor, after: ReadonlyArray<string>) =>
      Effect.scoped(
        Effect.gen(function* () {
          const subscription = yield* views.subscribe
          let said = false
          for (;;) {
            const known = yield* current
            const waiting = after.filter((n) => known.has(n))
            const states = yield* Effect.forEach(waiting, (n) => views.get(n))
            const pending = waiting.filter((_, i) => states[i]?.state !== "running")
            if (pending.length === 0) break
            if (!said) actor.capture.note(`waiting for ${pending.join(", ")} to be running`)
            said = true
            yield* Queue.take(subscription.events)
          }
          yield* actor.resume
        }),
      )

    const saveRegistered = current.pipe(
      Effect.flatMap((m) =>
        store.saveRegistered(
          [...m.values()].filter((a) => a.source === "api").map((a) => encodeServiceSpec(a.spec())),
        ),
      ),
    )

    const decode = (raw: unknown, name: string) =>
      Effect.suspend(() =>
        decodeServiceSpec(raw, {
          name,
          baseDir: config.baseDir,
          defaults: config.defaults,
          log: config.log,
          pathPrefix: "",
        }),
      ).pipe(Effect.mapError((issues) => new SpecInvalid({ issues })))

    /** The config's cross-checks, plus: no explicit port of `spec` may be another service's auto port. */
    const crossCheck = (spec: ServiceSpec) =>
      Effect.gen(function* () {
        const others = (yield* specs).filter((s) => s.name !== spec.name)
        const issues = [...checkServices(config, [...others, spec])]
        for (const actor of (yield* current).values()) {
          const taken = actor.name !== spec.name && actor.spec().port === "auto" ? actor.port() : undefined
          if (taken !== undefined && spec.ports.includes(taken)) {
            issues.push({
              path: `services.${spec.name}.ports`,
              message: `port ${taken} is reserved by both service "${actor.name}" (its auto port) and service "${spec.name}"`,
            })
          }
        }
        return issues.length === 0 ? undefined : yield* new SpecConflict({ issues })
      })

    const nameOf = (raw: unknown): string =>
      typeof raw === "object" && raw !== null && "name" in raw && typeof raw.name === "string" ? raw.name : ""

    const stopAll = Effect.gen(function* () {
      const all = yield* current
      const layers = startLayers(
        [...all.values()].map((a) => ({
          name: a.name,
          depends_on: startAfter(a.spec(), config.supervisors),
        })),
      )
      for (const layer of layers.reverse()) {
        yield* Effect.forEach(
          layer.flatMap((name) => all.get(name) ?? []),
          (actor) => actor.close("dockless is shutting down"),
          { concurrency: "unbounded", discard: true },
        )
      }
    })
    yield* Effect.addFinalizer(() => stopAll)

    // Boot: every service gets its actor first (so the views list them all), then each starts
    // once what it waits for is running; the API does not wait for slow dependencies.
    const all: Array<{ spec: ServiceSpec; source: Source }> = [
      ...config.services.map((spec) => ({ spec, source: "config" as const })),
      ...registered.map((spec) => ({ spec, source: "api" as const })),
    ]
    for (const { spec, source } of all) {
      const port = yield* portFor(spec, records.get(spec.name)?.port).pipe(
        Effect.catchTag("SpecConflict", (e) =>
          Effect.logError(`${spec.name}: ${e.message}`).pipe(Effect.as(undefined)),
        ),
      )
      yield* spawnActor(spec, source, port, desiredFrom(records.get(spec.name), spec))
    }
    for (const group of config.supervisors) {
      const booted = yield* current
      groups.set(
        group.name,
        yield* makeGroupSupervisor(group, (n) => booted.get(n)).pipe(Effect.provide(context)),
      )
    }
    const booted = yield* current
    for (const { spec } of all) {
      const actor = booted.get(spec.name)
      if (actor === undefined) continue
      if (desiredFrom(records.get(spec.name), spec) === "running") {
        yield* Effect.forkIn(startWhenReady(actor, startAfter(spec, config.supervisors)), rootScope)
      } else {
        // A service that stays stopped still has its desired state on disk, so a later boot agrees.
        yield* store.update(spec.name, (r) => ({ ...r, desired: "stopped" })).pipe(Effect.ignore)
      }
    }

    const shape: RootSupervisorShape = {
      actor: find,
      actors: current.pipe(Effect.map((m) => [...m.values()])),
      command: (name, command) => find(name).pipe(Effect.flatMap((a) => a.send(command))),
      register: (raw) =>
        registry.withPermits(1)(
          Effect.gen(function* () {
            const spec = yield* decode(raw, nameOf(raw))
            if ((yield* current).has(spec.name)) return yield* new ServiceExists({ name: spec.name })
            yield* crossCheck(spec)
            const actor = yield* spawnActor(spec, "api", yield* portFor(spec, undefined), "stopped")
            yield* saveRegistered
            return yield* actor.send(spec.autostart ? "start" : "stop")
          }),
        ),
      replace: (name, raw) =>
        registry.withPermits(1)(
          Effect.gen(function* () {
            const actor = yield* find(name)
            if (actor.source === "config") return yield* new ServiceFromConfig({ name })
            const spec = yield* decode(raw, name)
            yield* crossCheck(spec)
            const view = yield* actor.update(spec, yield* portFor(spec, actor.port()))
            yield* saveRegistered
            return view
          }),
        ),
      unregister: (name) =>
        registry.withPermits(1)(
          Effect.gen(function* () {
            const actor = yield* find(name)
            if (actor.source === "config") return yield* new ServiceFromConfig({ name })
            yield* actor.close("the service was deleted")
            yield* Ref.update(actors, (m) => {
              const next = new Map(m)
              next.delete(name)
              return next
            })
            yield* views.remove(name)
            yield* saveRegistered
            yield* store.forget(name)
          }),
        ),
    }
    return shape
  })
