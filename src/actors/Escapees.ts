// Processes that left their service's process group (setsid, a daemon's double fork) and so
// escape the group signals of a stop. Each still carries its run's DOCKLESS_RUN marker, so a
// stop signals them too, and once a run has ended whatever still carries its marker gets
// SIGKILL at the next sweep (at most one /proc scan per SWEEP_MS, however many runs end: a
// crash storm costs one scan a second, not one per crash). The limit: a process that clears
// its environment is not found; cgroups are the full answer.
import { Clock, Context, Effect, Layer, Queue } from "effect"
import { markedProcesses } from "../os/Markers.ts"
import { signalProcess } from "./ProcessRunner.ts"

/** Told which escaped pids were signalled, for the service's log. */
export type Told = (pids: ReadonlyArray<number>) => Effect.Effect<void>

export interface EscapeesShape {
  /** Sends `signal` to every process still carrying the run's marker; answers their pids. */
  readonly signal: (run: string, signal: NodeJS.Signals) => Effect.Effect<ReadonlyArray<number>>
  /** The run has ended: what still carries its marker gets SIGKILL at the next sweep. */
  readonly sweep: (run: string, told: Told) => Effect.Effect<void>
  /** Dockless is stopping: SIGKILL every process of this instance that is still there. */
  readonly killAll: (instance: string) => Effect.Effect<ReadonlyArray<number>>
}

export const SWEEP_MS = 1000

const signalWhere = (wanted: (markers: ReadonlyMap<string, string>) => boolean, signal: NodeJS.Signals) =>
  Effect.promise(() => markedProcesses(wanted)).pipe(
    Effect.tap((found) => Effect.forEach(found, (p) => signalProcess(p.pid, signal), { discard: true })),
    Effect.map((found) => found.map((p) => p.pid)),
  )

export class Escapees extends Context.Tag("dockless/actors/Escapees")<Escapees, EscapeesShape>() {
  static readonly layer: Layer.Layer<Escapees> = Layer.scoped(
    Escapees,
    Effect.gen(function* () {
      const pending = new Map<string, Told>()
      const wake = yield* Queue.dropping<void>(1)
      let lastScan = Number.NEGATIVE_INFINITY

      const sweepOnce = Effect.gen(function* () {
        const runs = new Map(pending)
        pending.clear()
        const found = yield* Effect.promise(() =>
          markedProcesses((markers) => runs.has(markers.get("DOCKLESS_RUN") ?? "")),
        )
        for (const [run, told] of runs) {
          const pids = found.filter((p) => p.markers.get("DOCKLESS_RUN") === run).map((p) => p.pid)
          if (pids.length === 0) continue
          yield* Effect.forEach(pids, (pid) => signalProcess(pid, "SIGKILL"), { discard: true })
          yield* told(pids)
        }
      })

      yield* Effect.forkScoped(
        Effect.forever(
          Effect.gen(function* () {
            yield* Queue.take(wake)
            const wait = lastScan + SWEEP_MS - (yield* Clock.currentTimeMillis)
            if (wait > 0) yield* Effect.sleep(wait)
            lastScan = yield* Clock.currentTimeMillis
            yield* sweepOnce
          }),
        ),
      )

      return {
        signal: (run, signal) => signalWhere((m) => m.get("DOCKLESS_RUN") === run, signal),
        sweep: (run, told) =>
          Effect.suspend(() => {
            pending.set(run, told)
            return Queue.offer(wake, undefined)
          }).pipe(Effect.asVoid),
        killAll: (instance) => signalWhere((m) => m.get("DOCKLESS_INSTANCE") === instance, "SIGKILL"),
      }
    }),
  )
}
