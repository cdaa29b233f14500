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
}

/** The daemon's: at most one collection of ~25 ms a second, 2.5 % of the main thread at worst. */
export const GOVERNANCE: Governance = { growthBytes: 3 * MiB, ceilingBytes: 32 * MiB, minIntervalMs: 1000 }

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

/**
 * V8's gc(), taken from a fresh context once --expose-gc is set (jest's leak detector does the
 * same), so the daemon's own global scope gains nothing. Undefined where the flag cannot be set.
 */
const fullCollection = (): (() => void) | undefined => {
  try {
    setFlagsFromString("--expose-gc")
    const gc: unknown = runInNewContext("gc")
    return typeof gc === "function" ? (gc as () => void) : undefined
  } catch {
    return undefined
  }
}

/**
 * Runs a full collection and says whether it could. The context gc() comes from is made at the
 * first one, not at start: it holds ~1.1 MiB (Node 24), which an idle daemon, never governed,
 * should not carry.
 */
const collector = (): (() => boolean) => {
  let gc: (() => void) | undefined | "not yet" = "not yet"
  return () => {
    if (gc === "not yet") gc = fullCollection()
    gc?.()
    return gc !== undefined
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
        const collect = collector()
        let kept = used()
        let keptAt = performance.now()
        let count = 0
        let ms = 0
        // Collections are reported after they end, from the event loop: never inside one.
        const observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) {
            const kind = (entry as { readonly detail?: { readonly kind?: number } }).detail?.kind
            const now = used()
            const at = performance.now()
            if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
              kept = now
              keptAt = at
            } else if (now < kept) {
              kept = now
            } else if (
              kind === constants.NODE_PERFORMANCE_GC_MINOR &&
              shouldCollect(governance, kept, now, at - keptAt)
            ) {
              if (!collect()) return
              keptAt = performance.now()
              ms += keptAt - at
              count += 1
              kept = used()
            }
          }
        })
        yield* Effect.acquireRelease(
          Effect.sync(() => observer.observe({ entryTypes: ["gc"] })),
          () => Effect.sync(() => observer.disconnect()),
        )
        return { collections: Effect.sync(() => ({ count, ms })) }
      }),
    )
  }
}
