// Restart intensity, as OTP's supervisor keeps it: the times of recent restarts in a sliding
// window. More than max_restarts within period means the child crash-loops and is given up on.
// Pure: the caller passes `now` (from Effect's Clock) and keeps the returned window.
import type { IntensitySpec } from "../config/ServiceSpec.ts"

export type IntensityVerdict =
  | { readonly _tag: "Within"; readonly window: ReadonlyArray<number> }
  | { readonly _tag: "Exceeded"; readonly reason: string }

export const recordRestart = (
  window: ReadonlyArray<number>,
  now: number,
  spec: IntensitySpec,
): IntensityVerdict => {
  const recent = [...window.filter((at) => now - at < spec.period), now]
  return recent.length > spec.max_restarts
    ? { _tag: "Exceeded", reason: `more than ${spec.max_restarts} restarts in ${formatMs(spec.period)}` }
    : { _tag: "Within", window: recent }
}

export const formatMs = (ms: number): string => {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`
  return `${Math.round(ms)}ms`
}
