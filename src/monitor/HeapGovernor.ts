// The daemon's own JavaScript heap, kept near what it holds. Node 20's V8, run with
// --optimize-for-size, makes every full collection it starts a memory-reducing one, and after
// such a collection lets the old generation grow 8 MiB past what survived before the next; after
// a plain full collection (the one gc() runs) it allows 30 %, at least 2 MiB (V8's
// heap-controller.cc, MinimumAllocationLimitGrowingStep and the growing modes). For a daemon
// that holds ~14 MiB, that step is most of its resident growth: in a crash storm its old space
// settled 8 MiB above the idle daemon's, all of it garbage. So, after a young-generation
// collection, if the old space has grown 3 MiB past what the last full collection kept and that
// collection is 1 s old, the governor runs one itself (~25 ms at 14 MiB). A heap that grows
// faster than that (the API under load) is left to V8's incremental marking, which spreads the
// work; so is a heap above 32 MiB, where one collection pauses longer and 8 MiB is a small share.
//
// It also stands in for V8's memory reducer, which collects 8 s after the last full collection
// once allocation is low (memory-reducer.cc, kLongDelayMs, fixed on Node 20 to 26): after a start
// of 200 services that is 50–90 ms of collections 8–9 s later, when the daemon is otherwise idle.
// The daemon runs with --no-memory-reducer (package.json nodeFlags; it cannot be turned off once
// Node runs) and, after a full collection V8 started itself (its heap reached its limit), once
// 1 s has passed with no collection of any kind, the governor runs the reducer's collection: the
// same work, done when the start ends rather than in the daemon's idle time. Not "the old space
// grew since": sweeping is lazy without V8's worker threads, so the old space a full collection
// leaves still counts its garbage as used until allocation sweeps it.
import { constants, PerformanceObserver, performance } from "node:perf_hooks"
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { Context, Effect, Layer } from "effect"

const MiB = 1024 * 1024

export interface Governance {
  /** How far the old space may grow past what the last full collection kept before the governor collects. */
  readonly growthBytes: number
  /** Above this much kept, V8 governs alone. */
  readonly ceilingBytes: number
  /** The least time since the last full collection (any) for the governor to run one. */
  readonly minIntervalMs: number
  /** How long without any collection, after a full one of V8's, before the governor runs the reducer's. */
  readonly quietMs: number
}

/** The daemon's: at most one collection of ~25 ms a second, 2.5 % of the main thread at worst. */
export const GOVERNANCE: Governance = {
  growthBytes: 3 * MiB,
  ceilingBytes: 32 * MiB,
  minIntervalMs: 1000,
  quietMs: 1000,
}

/** Whether to collect: old space kept by the last full collection, in use now, time since it. */
export const shouldCollect = (g: Governance, kept: number, used: number, sinceMs: number): boolean =>
  kept <= g.ceilingBytes && used - kept >= g.growthBytes && sinceMs >= g.minIntervalMs

export interface Collections {
  /** Full collections the governor ran. */
  readonly count: number
  /** The time they took, in all, in milliseconds (the daemon's main thread waits for each). */
  readonly ms: number
}

export interface HeapGovernorShape {
  readonly collections: Effect.Effect<Collections>
}

type Gc = (options?: {
  readonly type: "major"
  readonly execution: "sync"
  readonly flavor: "last-resort"
}) => void

/**
 * V8's gc(): the global one where --expose-gc was given at launch (package.json nodeFlags), else
 * one from a fresh context once the flag is set (jest's leak detector does the same). Undefined
 * where the flag cannot be set.
 */
const fullCollection = (): Gc | undefined => {
  try {
    if (typeof globalThis.gc === "function") return globalThis.gc as Gc
    setFlagsFromString("--expose-gc")
    const gc: unknown = runInNewContext("gc")
    return typeof gc === "function" ? (gc as Gc) : undefined
  } catch {
    return undefined
  }
}

/** gc()'s "last-resort" flavor (V8 12, Node 22 on) compacts until nothing more is freed. */
const LAST_RESORT = Number(process.versions.v8.split(".")[0]) >= 12

interface Collector {
  /** A full collection, as V8 runs one when its heap reaches its limit; whether it could. */
  readonly collect: () => boolean
  /**
   * One that also gives the pages it empties back to the system, as V8's memory reducer does.
   * gc() alone keeps them for reuse (the daemon's RSS stayed ~10 MiB higher after a start of
   * 200); on Node 20, whose gc() has no flavors, a second collection frees what the first emptied.
   */
  readonly reduce: () => boolean
}

/**
 * Full collections. The context gc() may come from is made at the first one, not at start: it
 * holds ~1.1 MiB (Node 24).
 */
const collector = (): Collector => {
  let gc: Gc | undefined | "not yet" = "not yet"
  const take = () => {
    if (gc === "not yet") gc = fullCollection()
    return gc
  }
  return {
    collect: () => {
      const run = take()
      run?.()
      return run !== undefined
    },
    reduce: () => {
      const run = take()
      if (run === undefined) return false
      if (LAST_RESORT) run({ type: "major", execution: "sync", flavor: "last-resort" })
      else {
        run()
        run()
      }
      return true
    },
  }
}

/**
 * The old space alone: promoted objects land there. Large objects (a 130 KiB list answer) have
 * a space of their own, freed whole by V8's own collections.
 */
const used = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === "old_space")?.space_used_size ?? 0

export class HeapGovernor extends Context.Tag("dockless/monitor/HeapGovernor")<
  HeapGovernor,
  HeapGovernorShape
>() {
  static readonly layer: Layer.Layer<HeapGovernor> = Layer.suspend(() => HeapGovernor.layerWith(GOVERNANCE))

  static layerWith(governance: Governance): Layer.Layer<HeapGovernor> {
    return Layer.scoped(
      HeapGovernor,
      Effect.gen(function* () {
        const collections = collector()
        let kept = used()
        let keptAt = performance.now()
        let count = 0
        let ms = 0
        // When the governor's own last collection ran: the entries it reports fall inside.
        let own = { from: 0, to: 0 }
        const run = (at: number, how: () => boolean) => {
          if (!how()) return false
          keptAt = performance.now()
          own = { from: at, to: keptAt }
          ms += keptAt - at
          count += 1
          kept = used()
          return true
        }
        // A full collection of V8's (not the governor's) since the heap last settled; loading the
        // daemon's code is one's worth of garbage.
        let reducible = true
        const settled = setTimeout(() => {
          if (!reducible) return
          reducible = false
          run(performance.now(), collections.reduce)
        }, governance.quietMs).unref()
        // Collections are reported after they end, from the event loop: never inside one.
        const observer = new PerformanceObserver((list) => {
          settled.refresh()
          for (const entry of list.getEntries()) {
            const kind = (entry as { readonly detail?: { readonly kind?: number } }).detail?.kind
            const now = used()
            const at = performance.now()
            if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
              if (entry.startTime < own.from || entry.startTime > own.to) reducible = true
              kept = now
              keptAt = at
            } else if (now < kept) {
              kept = now
            } else if (
              kind === constants.NODE_PERFORMANCE_GC_MINOR &&
              shouldCollect(governance, kept, now, at - keptAt)
            ) {
              if (!run(at, collections.collect)) return
            }
          }
        })
        yield* Effect.acquireRelease(
          Effect.sync(() => observer.observe({ entryTypes: ["gc"] })),
          () =>
            Effect.sync(() => {
              observer.disconnect()
              clearTimeout(settled)
            }),
        )
        return { collections: Effect.sync(() => ({ count, ms })) }
      }),
    )
  }
}
