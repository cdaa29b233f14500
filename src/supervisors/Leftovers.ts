// Crash recovery at boot. After Dockless itself was killed (kill -9, OOM, power cut), the
// processes of its previous run may still be running. They are found two ways: by the pid AND
// start time state.json recorded (checked against /proc, so a pid the kernel reused for an
// unrelated process is never touched), and by this daemon's DOCKLESS_INSTANCE marker in their
// environment (which also finds a run started just before the crash, whose pid was not yet on
// disk, and processes that left their group). Each is stopped before services start fresh.
import { Clock, Effect } from "effect"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { markedProcesses } from "../os/Markers.ts"
import { isSameProcess, readProcIdentity } from "../os/ProcStat.ts"
import { signalGroup, signalProcess } from "../actors/ProcessRunner.ts"
import type { ServiceRecord } from "../state/Store.ts"

export interface Leftover {
  readonly name: string
  readonly pid: number
}

interface Found extends Leftover {
  readonly startTicks: number
}

const POLL_MS = 25

/** Stops one leftover and its group: stop_signal, wait up to stop_timeout, then SIGKILL. */
const stopLeftover = (found: Found, spec: ServiceSpec | undefined) =>
  Effect.gen(function* () {
    const signal = spec?.stop_signal ?? "SIGTERM"
    yield* signalGroup(found.pid, signal)
    yield* signalProcess(found.pid, signal)
    const deadline = (yield* Clock.currentTimeMillis) + (spec?.stop_timeout ?? 10_000)
    while (isSameProcess(found.pid, found.startTicks) && (yield* Clock.currentTimeMillis) < deadline) {
      yield* Effect.sleep(POLL_MS)
    }
    yield* signalGroup(found.pid, "SIGKILL")
    if (isSameProcess(found.pid, found.startTicks)) yield* signalProcess(found.pid, "SIGKILL")
  })

const recorded = (records: ReadonlyMap<string, ServiceRecord>): Array<Found> =>
  [...records].flatMap(([name, r]) =>
    r.pid !== null && r.start_ticks !== null && r.pid > 1 && isSameProcess(r.pid, r.start_ticks)
      ? [{ name, pid: r.pid, startTicks: r.start_ticks }]
      : [],
  )

const marked = (instance: string) =>
  Effect.promise(() => markedProcesses((m) => m.get("DOCKLESS_INSTANCE") === instance)).pipe(
    Effect.map((processes) =>
      processes.flatMap((p) => {
        const identity = readProcIdentity(p.pid)
        return identity === undefined || identity.state === "Z"
          ? []
          : [{ name: p.markers.get("DOCKLESS_SERVICE") ?? "?", pid: p.pid, startTicks: identity.startTicks }]
      }),
    ),
  )

export const reapLeftovers = (
  records: ReadonlyMap<string, ServiceRecord>,
  specs: ReadonlyMap<string, ServiceSpec>,
  instance: string,
): Effect.Effect<ReadonlyArray<Leftover>> =>
  Effect.gen(function* () {
    const byRecord = recorded(records)
    const known = new Set(byRecord.map((f) => f.pid))
    const byMarker = (yield* marked(instance)).filter((f) => !known.has(f.pid))
    const all = [...byRecord, ...byMarker]
    yield* Effect.forEach(all, (found) => stopLeftover(found, specs.get(found.name)), {
      concurrency: "unbounded",
      discard: true,
    })
    return all.map(({ name, pid }) => ({ name, pid }))
  })
