// What Dockless remembers across its own restarts, in data_dir: services registered through
// the API (services.json) and each service's desired state and last process (state.json).
// Two kinds of write: what a person is told is done (a registration, a desired state) is on
// disk before the call returns; what only helps crash recovery (the pid of a new run, an auto
// port) is written lazily, coalesced, so a crash storm does not turn into an fsync storm.
import { join } from "node:path"
import { Context, Effect, Layer, Ref, type Scope } from "effect"
import { readJson, writeAtomic, type ReadResult, type StateFileUnwritable } from "./AtomicFile.ts"

export type Desired = "running" | "stopped"

export interface ServiceRecord {
  readonly desired: Desired | null
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

export interface RunRecord {
  readonly pid: number
  readonly start_ticks: number | null
  readonly started_at: string
}

export interface StoreShape {
  readonly load: Effect.Effect<Loaded>
  /** Saves a desired state; returns once state.json holds it (or fails, changing nothing). */
  readonly setDesired: (name: string, desired: Desired) => Effect.Effect<void, StateFileUnwritable>
  /** Remembers the process of a new run for crash recovery; written within LAZY_MS. */
  readonly recordRun: (name: string, run: RunRecord) => Effect.Effect<void>
  /** Remembers an allocated auto port, so the service keeps it across restarts; written lazily. */
  readonly recordPort: (name: string, port: number) => Effect.Effect<void>
  /** Forgets a deleted service's record; written lazily. */
  readonly forget: (name: string) => Effect.Effect<void>
  /** Replaces the registered services; returns once services.json holds them (or fails, changing nothing). */
  readonly saveRegistered: (
    specs: ReadonlyArray<Record<string, unknown>>,
  ) => Effect.Effect<void, StateFileUnwritable>
}

export const emptyRecord: ServiceRecord = {
  desired: null,
  pid: null,
  start_ticks: null,
  started_at: null,
  port: null,
}

/** How long a lazy write may wait, collecting more changes into one write. */
export const LAZY_MS = 250

/**
 * One JSON file and its writer; writes never overlap. `save` renders and writes the next
 * content under the file's lock and commits it to memory only once it is on disk, so a failed
 * write changes nothing. `saveSoon` writes the current content within LAZY_MS without waiting;
 * a failure of it is logged once per reason rather than once per write.
 */
const jsonFile = (path: string, render: () => string) =>
  Effect.gen(function* () {
    const lock = yield* Effect.makeSemaphore(1)
    const pending = yield* Ref.make(false)
    const lastFailure = yield* Ref.make("")
    const save = (next: () => string, commit: () => void) =>
      lock.withPermits(1)(
        Effect.suspend(() => writeAtomic(path, next())).pipe(Effect.tap(() => Effect.sync(commit))),
      )
    const lazyWrite = Effect.gen(function* () {
      yield* Effect.sleep(LAZY_MS)
      yield* Ref.set(pending, false)
      const outcome = yield* Effect.either(save(render, () => undefined))
      const reason = outcome._tag === "Left" ? outcome.left.message : ""
      if (reason !== "" && reason !== (yield* Ref.get(lastFailure))) yield* Effect.logWarning(reason)
      yield* Ref.set(lastFailure, reason)
    })
    const scope = yield* Effect.scope
    const saveSoon = Ref.getAndSet(pending, true).pipe(
      Effect.flatMap((already) => (already ? Effect.void : Effect.forkIn(lazyWrite, scope))),
      Effect.asVoid,
    )
    // At shutdown, what is still pending is written before the daemon exits.
    yield* Effect.addFinalizer(() =>
      Ref.get(pending).pipe(
        Effect.flatMap((waiting) => (waiting ? Effect.ignore(save(render, () => undefined)) : Effect.void)),
      ),
    )
    return { save, saveSoon }
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
  const desired = value["desired"]
  return {
    desired: desired === "stopped" || desired === "running" ? desired : null,
    pid: num(value["pid"]),
    start_ticks: num(value["start_ticks"]),
    started_at: typeof value["started_at"] === "string" ? value["started_at"] : null,
    port: num(value["port"]),
  }
}

const readState = (path: string, now: Date) => {
  const read = readJson(path, now)
  const records = new Map<string, ServiceRecord>()
  if (read._tag === "Parsed" && isObject(read.value) && isObject(read.value["services"])) {
    for (const [name, raw] of Object.entries(read.value["services"])) {
      const record = parseRecord(raw)
      if (record !== undefined) records.set(name, record)
    }
  }
  return { records, problems: problemOf(path, read) }
}

const readServices = (path: string, now: Date) => {
  const read = readJson(path, now)
  const list = read._tag === "Parsed" && isObject(read.value) ? read.value["services"] : []
  return { registered: Array.isArray(list) ? list.filter(isObject) : [], problems: problemOf(path, read) }
}

const make = (dataDir: string): Effect.Effect<StoreShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const statePath = join(dataDir, "state.json")
    const servicesPath = join(dataDir, "services.json")
    let records = new Map<string, ServiceRecord>()
    const renderState = (m: ReadonlyMap<string, ServiceRecord>) =>
      JSON.stringify({ version: 1, services: Object.fromEntries(m) }, null, 2)
    let registered: ReadonlyArray<Record<string, unknown>> = []
    const renderServices = (list: ReadonlyArray<Record<string, unknown>>) =>
      JSON.stringify({ version: 1, services: list }, null, 2)
    const stateFile = yield* jsonFile(statePath, () => renderState(records))
    const servicesFile = yield* jsonFile(servicesPath, () => renderServices(registered))

    const changed = (name: string, change: (r: ServiceRecord) => ServiceRecord) =>
      new Map(records).set(name, change(records.get(name) ?? emptyRecord))

    /** Applies a change in memory and writes it lazily. */
    const lazily = (next: () => Map<string, ServiceRecord>) =>
      Effect.suspend(() => {
        records = next()
        return stateFile.saveSoon
      })

    return {
      load: Effect.sync(() => {
        const now = new Date()
        const state = readState(statePath, now)
        const services = readServices(servicesPath, now)
        records = state.records
        registered = services.registered
        return {
          registered: services.registered,
          records: state.records,
          problems: [...state.problems, ...services.problems],
        }
      }),
      setDesired: (name, desired) => {
        const next = () => changed(name, (r) => ({ ...r, desired }))
        return stateFile.save(
          () => renderState(next()),
          () => {
            records = next()
          },
        )
      },
      recordRun: (name, run) => lazily(() => changed(name, (r) => ({ ...r, ...run }))),
      recordPort: (name, port) => lazily(() => changed(name, (r) => ({ ...r, port }))),
      forget: (name) =>
        lazily(() => {
          const next = new Map(records)
          next.delete(name)
          return next
        }),
      saveRegistered: (specs) =>
        servicesFile.save(
          () => renderServices(specs),
          () => {
            registered = specs
          },
        ),
    }
  })

export class Store extends Context.Tag("dockless/state/Store")<Store, StoreShape>() {
  static readonly layer = (dataDir: string): Layer.Layer<Store> => Layer.scoped(Store, make(dataDir))
}
