// What Dockless remembers across its own restarts, in data_dir: services registered through
// the API (services.json) and each service's desired state and last process (state.json).
// Two kinds of write: what a person is told is done (a registration, a desired state) is on
// disk before the call returns; what only helps crash recovery (the pid of a new run, an auto
// port) is written lazily, coalesced, so a crash storm does not turn into an fsync storm.
import { join } from "node:path"
import { Context, Deferred, Effect, Layer, Ref, type Scope } from "effect"
import { readJson, writeAtomic, type ReadResult, type StateFileUnwritable } from "./AtomicFile.ts"

export type Desired = "running" | "stopped"

export type Trigger = "start" | "schedule" | "run-now" | "catch-up" | "queue"
export type RunOutcome = "success" | "failure" | "stopped"

/** One finished run, as GET /api/services/NAME/history shows it and state.json keeps it. */
export interface JobRun {
  readonly started_at: string
  readonly ended_at: string
  readonly duration_ms: number
  readonly exit_code: number | null
  readonly signal: string | null
  readonly outcome: RunOutcome
  readonly trigger: Trigger
}

/** A job's next firing (null: paused or none) and its last runs, newest first. */
export interface JobRecord {
  readonly next_run_at: string | null
  readonly runs: ReadonlyArray<JobRun>
}

export interface ServiceRecord {
  readonly desired: Desired | null
  readonly pid: number | null
  readonly start_ticks: number | null
  readonly started_at: string | null
  readonly port: number | null
  /** Only for a oneshot: left out of every other service's record. */
  readonly job?: JobRecord
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
  /**
   * Saves a desired state; returns once state.json holds it (or fails, changing nothing).
   * Concurrent calls share writes: 100 services started at once cost two writes, not 100.
   */
  readonly setDesired: (name: string, desired: Desired) => Effect.Effect<void, StateFileUnwritable>
  /** Remembers the process of a new run for crash recovery; written within LAZY_MS. */
  readonly recordRun: (name: string, run: RunRecord) => Effect.Effect<void>
  /** Remembers an allocated auto port, so the service keeps it across restarts; written lazily. */
  readonly recordPort: (name: string, port: number) => Effect.Effect<void>
  /** Remembers a job's next firing and runs, so a schedule survives restarts and reboots; written lazily. */
  readonly recordJob: (name: string, job: JobRecord) => Effect.Effect<void>
  /** The job record as last loaded or recorded. */
  readonly jobOf: (name: string) => Effect.Effect<JobRecord | undefined>
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
 * write changes nothing; `exclusive` runs a batch of such writes (`write`) under the same lock.
 * `saveSoon` writes the current content within LAZY_MS without waiting; a failure of it is
 * logged once per reason rather than once per write.
 */
const jsonFile = (path: string, render: () => string) =>
  Effect.gen(function* () {
    const lock = yield* Effect.makeSemaphore(1)
    const pending = yield* Ref.make(false)
    const lastFailure = yield* Ref.make("")
    const exclusive = lock.withPermits(1)
    const write = (next: () => string, commit: () => void) =>
      Effect.suspend(() => writeAtomic(path, next())).pipe(Effect.tap(() => Effect.sync(commit)))
    const save = (next: () => string, commit: () => void) => exclusive(write(next, commit))
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
        Effect.flatMap((waiting) =>
          waiting
            ? save(render, () => undefined).pipe(
                Effect.catchAll((failure) =>
                  Effect.logError(`the last state was not saved at shutdown: ${failure.message}`),
                ),
              )
            : Effect.void,
        ),
      ),
    )
    return { save, saveSoon, exclusive, write }
  })

/** A desired state a caller is waiting to see on disk. */
interface DesiredChange {
  readonly name: string
  readonly desired: Desired
  readonly done: Deferred.Deferred<void, StateFileUnwritable>
}

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

const triggers: Record<Trigger, true> = {
  start: true,
  schedule: true,
  "run-now": true,
  "catch-up": true,
  queue: true,
}
const outcomes: Record<RunOutcome, true> = { success: true, failure: true, stopped: true }
const isTrigger = (v: unknown): v is Trigger => typeof v === "string" && Object.hasOwn(triggers, v)
const isOutcome = (v: unknown): v is RunOutcome => typeof v === "string" && Object.hasOwn(outcomes, v)

/** A saved run, or undefined when it does not have the shape Dockless writes. */
const parseRun = (value: unknown): JobRun | undefined => {
  if (!isObject(value)) return undefined
  const { started_at, ended_at, duration_ms, exit_code, signal, outcome, trigger } = value
  if (typeof started_at !== "string" || typeof ended_at !== "string" || typeof duration_ms !== "number")
    return undefined
  if (!isTrigger(trigger) || !isOutcome(outcome)) return undefined
  return {
    started_at,
    ended_at,
    duration_ms,
    exit_code: typeof exit_code === "number" ? exit_code : null,
    signal: typeof signal === "string" ? signal : null,
    outcome,
    trigger,
  }
}

const parseJob = (value: unknown): JobRecord | undefined => {
  if (!isObject(value)) return undefined
  const next = value["next_run_at"]
  const runs = Array.isArray(value["runs"]) ? value["runs"].map(parseRun) : []
  return {
    next_run_at: typeof next === "string" ? next : null,
    runs: runs.filter((run): run is JobRun => run !== undefined),
  }
}

const parseRecord = (value: unknown): ServiceRecord | undefined => {
  if (!isObject(value)) return undefined
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null)
  const desired = value["desired"]
  const job = parseJob(value["job"])
  return {
    ...(job === undefined ? {} : { job }),
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

    // Group commit: whoever holds the file's lock writes every desired state queued so far in
    // one write and answers all of their callers; a failed write fails them all, changing nothing.
    const queued: Array<DesiredChange> = []
    const withDesired = (base: ReadonlyMap<string, ServiceRecord>, batch: ReadonlyArray<DesiredChange>) => {
      const next = new Map(base)
      for (const { name, desired } of batch) next.set(name, { ...(next.get(name) ?? emptyRecord), desired })
      return next
    }
    const writeQueued = Effect.suspend(() => {
      const batch = queued.splice(0)
      if (batch.length === 0) return Effect.void
      // Applied again at commit, not kept from the render: lazy records change `records` in
      // place while the write is under way, and the commit must not drop them.
      return stateFile
        .write(
          () => renderState(withDesired(records, batch)),
          () => {
            records = withDesired(records, batch)
          },
        )
        .pipe(
          Effect.exit,
          Effect.flatMap((exit) =>
            Effect.forEach(batch, ({ done }) => Deferred.done(done, exit), { discard: true }),
          ),
        )
    })

    /**
     * Applies a change in memory, in place (a crash storm records 20 runs a second: copying the
     * map for each was a tenth of the storm's garbage), and writes it lazily.
     */
    const lazily = (change: (m: Map<string, ServiceRecord>) => void) =>
      Effect.suspend(() => {
        change(records)
        return stateFile.saveSoon
      })
    const update = (name: string, patch: Partial<ServiceRecord>) =>
      lazily((m) => m.set(name, { ...(m.get(name) ?? emptyRecord), ...patch }))

    return {
      load: Effect.sync(() => {
        const now = new Date()
        const state = readState(statePath, now)
        const services = readServices(servicesPath, now)
        // A copy: lazy changes update `records` in place, and the caller keeps what was loaded.
        records = new Map(state.records)
        registered = services.registered
        return {
          registered: services.registered,
          records: state.records,
          problems: [...state.problems, ...services.problems],
        }
      }),
      setDesired: (name, desired) =>
        Effect.gen(function* () {
          const done = yield* Deferred.make<void, StateFileUnwritable>()
          queued.push({ name, desired, done })
          // Uninterruptible: a change once queued is written by this fiber or an earlier one.
          yield* Effect.uninterruptible(stateFile.exclusive(writeQueued))
          return yield* Deferred.await(done)
        }),
      recordRun: (name, run) => update(name, run),
      recordPort: (name, port) => update(name, { port }),
      recordJob: (name, job) => update(name, { job }),
      jobOf: (name) => Effect.sync(() => records.get(name)?.job),
      forget: (name) => lazily((m) => m.delete(name)),
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
