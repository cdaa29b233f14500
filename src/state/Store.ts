// What Dockless remembers across its own restarts, in data_dir: services registered through
// the API (services.json) and each service's desired state and last process (state.json).
// Every change is written atomically; callers that acknowledge a write to a person wait until
// it is on disk. Concurrent saves coalesce: a save finding a newer snapshot already written skips.
import { join } from "node:path"
import { Context, Effect, Layer, Ref } from "effect"
import { readJson, writeAtomic, type ReadResult, type StateFileUnwritable } from "./AtomicFile.ts"

export type Desired = "running" | "stopped"

export interface ServiceRecord {
  readonly desired: Desired
  readonly pid: number | null
  readonly start_ticks: number | null
  readonly started_at: string | null
  readonly port: number | null
}

export interface StoreProblem {
  readonly file: string
  readonly message: string
}

export interface Loaded {
  readonly registered: ReadonlyArray<Record<string, unknown>>
  readonly records: ReadonlyMap<string, ServiceRecord>
  readonly problems: ReadonlyArray<StoreProblem>
}

export interface StoreShape {
  readonly load: Effect.Effect<Loaded>
  /** Changes one service's record and waits until state.json holds it. */
  readonly update: (
    name: string,
    change: (record: ServiceRecord) => ServiceRecord,
  ) => Effect.Effect<void, StateFileUnwritable>
  readonly forget: (name: string) => Effect.Effect<void, StateFileUnwritable>
  /** Replaces the registered services and waits until services.json holds them. */
  readonly saveRegistered: (
    specs: ReadonlyArray<Record<string, unknown>>,
  ) => Effect.Effect<void, StateFileUnwritable>
}

export const emptyRecord: ServiceRecord = {
  desired: "running",
  pid: null,
  start_ticks: null,
  started_at: null,
  port: null,
}

/** A file written by a debounced writer: each save bumps a version; a save already covered is skipped. */
const versionedFile = (path: string, render: Effect.Effect<string>) =>
  Effect.gen(function* () {
    const wanted = yield* Ref.make(0)
    const written = yield* Ref.make(0)
    const lock = yield* Effect.makeSemaphore(1)
    return Effect.gen(function* () {
      const version = yield* Ref.updateAndGet(wanted, (n) => n + 1)
      yield* lock.withPermits(1)(
        Effect.gen(function* () {
          if ((yield* Ref.get(written)) >= version) return
          const covering = yield* Ref.get(wanted)
          yield* writeAtomic(path, yield* render)
          yield* Ref.set(written, covering)
        }),
      )
    })
  })

const problemOf = (file: string, result: ReadResult): ReadonlyArray<StoreProblem> =>
  result._tag === "Corrupt"
    ? [
        {
          file,
          message: `${file} is corrupt (${result.reason}); moved it to ${result.movedTo} and started without it`,
        },
      ]
    : []

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const parseRecord = (value: unknown): ServiceRecord | undefined => {
  if (!isObject(value)) return undefined
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null)
  return {
    desired: value["desired"] === "stopped" ? "stopped" : "running",
    pid: num(value["pid"]),
    start_ticks: num(value["start_ticks"]),
    started_at: typeof value["started_at"] === "string" ? value["started_at"] : null,
    port: num(value["port"]),
  }
}

export class Store extends Context.Tag("dockless/state/Store")<Store, StoreShape>() {
  static readonly layer = (dataDir: string) =>
    Layer.effect(
      Store,
      Effect.gen(function* () {
        const statePath = join(dataDir, "state.json")
        const servicesPath = join(dataDir, "services.json")
        const records = yield* Ref.make(new Map<string, ServiceRecord>())
        const registered = yield* Ref.make<ReadonlyArray<Record<string, unknown>>>([])
        const stateFile = yield* versionedFile(
          statePath,
          Ref.get(records).pipe(
            Effect.map((m) => JSON.stringify({ version: 1, services: Object.fromEntries(m) }, null, 2)),
          ),
        )
        const servicesFile = yield* versionedFile(
          servicesPath,
          Ref.get(registered).pipe(
            Effect.map((services) => JSON.stringify({ version: 1, services }, null, 2)),
          ),
        )

        const load = Effect.sync(() => {
          const now = new Date()
          const stateRead = readJson(statePath, now)
          const servicesRead = readJson(servicesPath, now)
          const problems = [...problemOf(statePath, stateRead), ...problemOf(servicesPath, servicesRead)]
          const loadedRecords = new Map<string, ServiceRecord>()
          if (
            stateRead._tag === "Parsed" &&
            isObject(stateRead.value) &&
            isObject(stateRead.value["services"])
          ) {
            for (const [name, raw] of Object.entries(stateRead.value["services"])) {
              const record = parseRecord(raw)
              if (record !== undefined) loadedRecords.set(name, record)
            }
          }
          const list =
            servicesRead._tag === "Parsed" && isObject(servicesRead.value)
              ? servicesRead.value["services"]
              : []
          return {
            registered: Array.isArray(list) ? list.filter(isObject) : [],
            records: loadedRecords,
            problems,
          }
        }).pipe(
          Effect.tap((loaded) => Ref.set(records, new Map(loaded.records))),
          Effect.tap((loaded) => Ref.set(registered, loaded.registered)),
        )

        return {
          load,
          update: (name, change) =>
            Ref.update(records, (m) => new Map(m).set(name, change(m.get(name) ?? emptyRecord))).pipe(
              Effect.zipRight(stateFile),
            ),
          forget: (name) =>
            Ref.update(records, (m) => {
              const next = new Map(m)
              next.delete(name)
              return next
            }).pipe(Effect.zipRight(stateFile)),
          saveRegistered: (specs) => Ref.set(registered, specs).pipe(Effect.zipRight(servicesFile)),
        }
      }),
    )
}
