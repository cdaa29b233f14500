// Processes that left their service's process group (setsid, a daemon's double fork) and so
// escape the group signals of a stop. Each still carries its run's DOCKLESS_RUN marker, so a
// stop signals them too, and once a run has ended whatever still carries its marker gets
// SIGKILL at the next sweep. /proc is scanned in batches: every request waiting when a scan
// starts is served by it (a shutdown of 200 services costs a few scans, not 200), and sweeps
// scan at most once per SWEEP_MS (a crash storm costs one scan a second, not one per crash).
// The limit: a process that clears its environment is not found; cgroups are the full answer.
import { Clock, Context, Deferred, Effect, Layer, Queue } from "effect"
import { markedProcesses, type Marked } from "../os/Markers.ts"
import { readProcIdentity } from "../os/ProcStat.ts"
import { signalProcess } from "./ProcessRunner.ts"

/** Told which escaped pids were signalled, for the service's log. */
export type Told = (pids: ReadonlyArray<number>) => Effect.Effect<void>

/** A run: its DOCKLESS_RUN marker and its process group (whose members are not escapees). */
export interface RunRef {
  readonly marker: string
  readonly pgid: number
}

export interface EscapeesShape {
  /** Sends `signal` to every process of the run outside its group; answers their pids. */
  readonly signal: (run: RunRef, signal: NodeJS.Signals) => Effect.Effect<ReadonlyArray<number>>
  /** The run has ended: whatever still carries its marker gets SIGKILL at the next sweep. */
  readonly sweep: (run: RunRef, told: Told) => Effect.Effect<void>
  /** Dockless is stopping: SIGKILL every process of this instance that is still there. */
  readonly killAll: (instance: string) => Effect.Effect<ReadonlyArray<number>>
}

export const SWEEP_MS = 1000

interface SignalRequest {
  readonly run: RunRef
  readonly signal: NodeJS.Signals
  readonly reply: Deferred.Deferred<ReadonlyArray<number>>
}

const runOf = (p: Marked) => p.markers.get("DOCKLESS_RUN") ?? ""

/** The processes of `runs` (by marker) that are not in their run's own process group. */
const escapedFrom = (runs: ReadonlyMap<string, RunRef>) =>
  Effect.promise(() => markedProcesses((m) => runs.has(m.get("DOCKLESS_RUN") ?? ""))).pipe(
    Effect.map((found) =>
      found.filter((p) => {
        const identity = readProcIdentity(p.pid)
        return identity !== undefined && identity.state !== "Z" && identity.pgid !== runs.get(runOf(p))?.pgid
      }),
    ),
  )

const pidsOf = (found: ReadonlyArray<Marked>, marker: string) =>
  found.filter((p) => runOf(p) === marker).map((p) => p.pid)

export class Escapees extends Context.Tag("dockless/actors/Escapees")<Escapees, EscapeesShape>() {
  static readonly layer: Layer.Layer<Escapees> = Layer.scoped(
    Escapees,
    Effect.gen(function* () {
      const requests = yield* Queue.unbounded<SignalRequest>()
      const sweeps = new Map<string, { run: RunRef; told: Told }>()
      const wakeSweeper = yield* Queue.dropping<void>(1)
      let lastSweep = Number.NEGATIVE_INFINITY

      const signalBatch = Effect.gen(function* () {
        const batch = yield* Queue.takeBetween(requests, 1, Number.MAX_SAFE_INTEGER)
        const found = yield* escapedFrom(new Map([...batch].map((r) => [r.run.marker, r.run])))
        for (const request of batch) {
          const pids = pidsOf(found, request.run.marker)
          yield* Effect.forEach(pids, (pid) => signalProcess(pid, request.signal), { discard: true })
          yield* Deferred.succeed(request.reply, pids)
        }
      })

      const sweepOnce = Effect.gen(function* () {
        yield* Queue.take(wakeSweeper)
        const wait = lastSweep + SWEEP_MS - (yield* Clock.currentTimeMillis)
        if (wait > 0) yield* Effect.sleep(wait)
        lastSweep = yield* Clock.currentTimeMillis
        const due = new Map(sweeps)
        sweeps.clear()
        const found = yield* escapedFrom(new Map([...due].map(([marker, s]) => [marker, s.run])))
        for (const [marker, { told }] of due) {
          const pids = pidsOf(found, marker)
          if (pids.length === 0) continue
          yield* Effect.forEach(pids, (pid) => signalProcess(pid, "SIGKILL"), { discard: true })
          yield* told(pids)
        }
      })

      yield* Effect.forkScoped(Effect.forever(signalBatch))
      yield* Effect.forkScoped(Effect.forever(sweepOnce))

      return {
        signal: (run, signal) =>
          Effect.gen(function* () {
            const reply = yield* Deferred.make<ReadonlyArray<number>>()
            yield* Queue.offer(requests, { run, signal, reply })
            return yield* Deferred.await(reply)
          }),
        sweep: (run, told) =>
          Effect.suspend(() => {
            sweeps.set(run.marker, { run, told })
            return Queue.offer(wakeSweeper, undefined)
          }).pipe(Effect.asVoid),
        killAll: (instance) =>
          Effect.promise(() => markedProcesses((m) => m.get("DOCKLESS_INSTANCE") === instance)).pipe(
            Effect.tap((found) =>
              Effect.forEach(found, (p) => signalProcess(p.pid, "SIGKILL"), { discard: true }),
            ),
            Effect.map((found) => found.map((p) => p.pid)),
          ),
      }
    }),
  )
}
