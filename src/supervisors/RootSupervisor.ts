// The root of the supervision tree: owns one supervised actor per service, in config order then
// registration order. It starts them layer by layer along depends_on, takes registrations
// (validated by the same decoder as config.toml, persisted before they are acknowledged) and,
// when its scope closes, stops every service in reverse start order, each layer concurrently.
import { join } from "node:path"
import { Context, Effect, ExecutionStrategy, Layer, Ref, Scope } from "effect"
import { checkServices, type Config } from "../config/Config.ts"
import { decodeServiceSpec, encodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import { OutputCapture } from "../actors/OutputCapture.ts"
import { makeServiceActor, type ServiceActor } from "../actors/ServiceActor.ts"
import type { Command } from "../actors/ServiceMessage.ts"
import type { Desired, ServiceView, Source } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { Store, type ServiceRecord } from "../state/Store.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
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
    const registry = yield* Effect.makeSemaphore(1)
    const context = yield* Effect.context<Store | ServiceViews>()

    const spawnActor = (spec: ServiceSpec, source: Source, desired: Desired) =>
      Effect.gen(function* () {
        const scope = yield* Scope.fork(rootScope, ExecutionStrategy.sequential)
        const capture = new OutputCapture({ file: logPathOf(config, spec) })
        const actor = yield* makeServiceActor({ spec, source, desired, capture, scope })
        yield* Ref.update(actors, (m) => new Map(m).set(spec.name, actor))
        return actor
      }).pipe(Effect.provide(context))

    const find = (name: string) =>
      Ref.get(actors).pipe(
        Effect.flatMap((m) => {
          const actor = m.get(name)
          return actor === undefined ? Effect.fail(new ServiceNotFound({ name })) : Effect.succeed(actor)
        }),
      )

    const specs = Ref.get(actors).pipe(Effect.map((m) => [...m.values()].map((a) => a.spec())))

    const saveRegistered = Ref.get(actors).pipe(
      Effect.flatMap((m) =>
        store.saveRegistered(
          [...m.values()].filter((a) => a.source === "api").map((a) => ({ ...encodeServiceSpec(a.spec()) })),
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

    const crossCheck = (others: ReadonlyArray<ServiceSpec>, spec: ServiceSpec) => {
      const issues = checkServices(config, [...others, spec])
      return issues.length === 0 ? Effect.void : Effect.fail(new SpecConflict({ issues }))
    }

    const nameOf = (raw: unknown): string =>
      typeof raw === "object" && raw !== null && "name" in raw && typeof raw.name === "string" ? raw.name : ""

    const stopAll = Effect.gen(function* () {
      const current = yield* Ref.get(actors)
      const layers = startLayers([...current.values()].map((a) => a.spec())).reverse()
      for (const layer of layers) {
        yield* Effect.forEach(
          layer.flatMap((name) => current.get(name) ?? []),
          (actor) => actor.close("dockless is shutting down"),
          { concurrency: "unbounded", discard: true },
        )
      }
    })
    yield* Effect.addFinalizer(() => stopAll)

    // Boot: every service gets its actor first (so views list them all), then starts go layer by layer.
    const all: Array<{ spec: ServiceSpec; source: Source }> = [
      ...config.services.map((spec) => ({ spec, source: "config" as const })),
      ...registered.map((spec) => ({ spec, source: "api" as const })),
    ]
    for (const { spec, source } of all) yield* spawnActor(spec, source, "stopped")
    const booted = yield* Ref.get(actors)
    for (const layer of startLayers(all.map((s) => s.spec))) {
      yield* Effect.forEach(
        layer.flatMap((name) => {
          const actor = booted.get(name)
          return actor !== undefined && desiredFrom(records.get(name), actor.spec()) === "running"
            ? [actor]
            : []
        }),
        (actor) => actor.send("start"),
        { concurrency: "unbounded", discard: true },
      )
    }
    // A service that stays stopped still has its desired state on disk, so a later boot agrees.
    yield* Effect.forEach(booted.values(), (actor) =>
      desiredFrom(records.get(actor.name), actor.spec()) === "stopped"
        ? store.update(actor.name, (r) => ({ ...r, desired: "stopped" })).pipe(Effect.ignore)
        : Effect.void,
    )

    const shape: RootSupervisorShape = {
      actor: find,
      command: (name, command) => find(name).pipe(Effect.flatMap((a) => a.send(command))),
      register: (raw) =>
        registry.withPermits(1)(
          Effect.gen(function* () {
            const spec = yield* decode(raw, nameOf(raw))
            if ((yield* Ref.get(actors)).has(spec.name))
              return yield* Effect.fail(new ServiceExists({ name: spec.name }))
            yield* crossCheck(yield* specs, spec)
            const actor = yield* spawnActor(spec, "api", "stopped")
            yield* saveRegistered
            return yield* actor.send(spec.autostart ? "start" : "stop")
          }),
        ),
      replace: (name, raw) =>
        registry.withPermits(1)(
          Effect.gen(function* () {
            const actor = yield* find(name)
            if (actor.source === "config") return yield* Effect.fail(new ServiceFromConfig({ name }))
            const spec = yield* decode(raw, name)
            yield* crossCheck(
              (yield* specs).filter((s) => s.name !== name),
              spec,
            )
            const view = yield* actor.update(spec)
            yield* saveRegistered
            return view
          }),
        ),
      unregister: (name) =>
        registry.withPermits(1)(
          Effect.gen(function* () {
            const actor = yield* find(name)
            if (actor.source === "config") return yield* Effect.fail(new ServiceFromConfig({ name }))
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
