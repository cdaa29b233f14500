// Crash recovery at boot. After Dockless itself was killed (kill -9, OOM, power cut), the
// processes of its previous run may still be running. Each is found by the pid AND start time
// state.json recorded, checked against /proc, so a pid the kernel reused for an unrelated
// process is never touched; a match has its process group stopped before services start fresh.
import { Clock, Effect } from "effect"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { isSameProcess } from "../os/ProcStat.ts"
import { signalGroup } from "../actors/ProcessRunner.ts"
import type { ServiceRecord } from "../state/Store.ts"

export interface Leftover {
  readonly name: string
  readonly pid: number
}

const POLL_MS = 25

/** Stops one leftover group: stop_signal, wait up to stop_timeout, then SIGKILL. */
const stopLeftover = (pid: number, startTicks: number, spec: ServiceSpec | undefined) =>
  Effect.gen(function* () {
    yield* signalGroup(pid, spec?.stop_signal ?? "SIGTERM")
    const deadline = (yield* Clock.currentTimeMillis) + (spec?.stop_timeout ?? 10_000)
    while (isSameProcess(pid, startTicks) && (yield* Clock.currentTimeMillis) < deadline) {
      yield* Effect.sleep(POLL_MS)
    }
    yield* signalGroup(pid, "SIGKILL")
  })

export const reapLeftovers = (
  records: ReadonlyMap<string, ServiceRecord>,
  specs: ReadonlyMap<string, ServiceSpec>,
): Effect.Effect<ReadonlyArray<Leftover>> =>
  Effect.forEach(
    [...records].filter(
      ([, r]) => r.pid !== null && r.start_ticks !== null && r.pid > 1 && isSameProcess(r.pid, r.start_ticks),
    ),
    ([name, r]) =>
      stopLeftover(r.pid ?? 0, r.start_ticks ?? 0, specs.get(name)).pipe(
        Effect.as({ name, pid: r.pid ?? 0 }),
      ),
    { concurrency: "unbounded" },
  )
