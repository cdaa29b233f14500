// memory_max as a pure decision: a group whose RSS is above the limit for two samples in a row
// is faulted (the actor stops it and its supervisor restarts it by policy, as OTP does for a
// crashed child). One sample above is a strike; a sample at or below clears the strikes.
import { Data } from "effect"

export type MemoryVerdict = Data.TaggedEnum<{
  Within: {}
  Over: { readonly strikes: number }
  Exceeded: { readonly reason: string }
}>
export const MemoryVerdict = Data.taggedEnum<MemoryVerdict>()

/** Two samples in a row (the reason below says "two"). */
export const STRIKES_TO_FAULT = 2

const MiB = 1024 * 1024

export const formatMiB = (bytes: number): string => {
  const mib = bytes / MiB
  return Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(1)} MiB`
}

/** The verdict on one sample, given the strikes so far; after `Exceeded` the strikes start again at 0. */
export const judgeMemory = (
  strikes: number,
  rssBytes: number,
  memoryMax: number | undefined,
): MemoryVerdict => {
  if (memoryMax === undefined || rssBytes <= memoryMax) return MemoryVerdict.Within()
  const next = strikes + 1
  return next < STRIKES_TO_FAULT
    ? MemoryVerdict.Over({ strikes: next })
    : MemoryVerdict.Exceeded({
        reason: `memory ${formatMiB(rssBytes)} above memory_max ${formatMiB(memoryMax)} for two samples; restarting`,
      })
}
