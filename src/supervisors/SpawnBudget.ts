// Storm protection: restarts after crashes share one budget across the whole tree, so a crash
// storm cannot eat the daemon's CPU and starve the API. A GCRA (a token bucket kept as one
// time): a burst of BURST spawns goes through at once, after that one per 1000/RATE ms, each
// spawn reserving its own future moment so waiting services go in order. An isolated crash
// finds the bucket full and restarts without any delay. People's starts never ask.
import { Clock, Context, Effect, Layer } from "effect"

export interface BudgetRules {
  /** Spawns per second once the burst is spent. */
  readonly rate: number
  /** Spawns allowed back to back. */
  readonly burst: number
}

// 20 a second: a spawn costs the daemon ~2 ms of CPU on a quiet Pi-class core and far more
// on a loaded one (fork waits for exec); 40 a second measured 63 % of a core in a storm.
export const defaultRules: BudgetRules = { rate: 20, burst: 20 }

export interface Reservation {
  /** When the spawn may happen (now, or later when the budget is spent). */
  readonly at: number
  /** The bucket's theoretical arrival time after this reservation. */
  readonly tat: number
}

/** Pure: reserves the next spawn moment at or after `now`, given the bucket's time `tat`. */
export const reserve = (rules: BudgetRules, tat: number, now: number): Reservation => {
  const interval = 1000 / rules.rate
  const base = Math.max(tat, now)
  return { at: Math.max(now, base - rules.burst * interval), tat: base + interval }
}

export interface SpawnBudgetShape {
  /** Reserves a spawn; answers when it may happen (the current time when it may happen now). */
  readonly reserve: Effect.Effect<number>
  /** Reserves a spawn at `now` if one may happen then; reserves nothing otherwise. Outside any fiber. */
  readonly reserveNow: (now: number) => boolean
}

export class SpawnBudget extends Context.Tag("dockless/supervisors/SpawnBudget")<
  SpawnBudget,
  SpawnBudgetShape
>() {
  static readonly layerWith = (rules: BudgetRules): Layer.Layer<SpawnBudget> =>
    Layer.sync(SpawnBudget, () => {
      let tat = Number.NEGATIVE_INFINITY
      return {
        reserve: Clock.currentTimeMillis.pipe(
          Effect.map((now) => {
            const granted = reserve(rules, tat, now)
            tat = granted.tat
            return granted.at
          }),
        ),
        reserveNow: (now) => {
          const granted = reserve(rules, tat, now)
          if (granted.at > now) return false
          tat = granted.tat
          return true
        },
      }
    })

  static readonly layer = SpawnBudget.layerWith(defaultRules)
}
