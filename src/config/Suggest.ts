// "Did you mean …?" for unknown keys and names: the closest known word by edit distance,
// offered only when it is close enough to be a likely typo (distance ≤ 2, and less than
// half the word) so the hint helps rather than distracts.

export const levenshtein = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The closest candidate within the typo threshold, if any. Case differences count as close. */
export const suggest = (word: string, candidates: Iterable<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  const threshold = Math.min(2, Math.floor(word.length / 2))
  return bestDistance <= threshold ? best : undefined
}
