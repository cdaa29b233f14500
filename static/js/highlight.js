// The matches of a log search in one line, marked by cutting the line's text segments where a
// match starts and ends; a matched piece gets the class "hit". Every piece is still rendered with
// x-text, never as HTML. Case-insensitive plain text, the needle escaped, as the server searches.
// Pure.

const SPECIAL = /[.*+?^${}()|[\]\\]/g

const patternOf = (needle) => new RegExp(String(needle).replace(SPECIAL, "\\$&"), "gi")

/** Where the first match of `needle` in `text` starts, or -1. */
export function firstMatch(text, needle) {
  if (!needle) return -1
  const m = patternOf(needle).exec(text)
  return m === null ? -1 : m.index
}

/** `segs` ([{ text, cls }], as ansiSegments gives them) cut at every match of `needle`. */
export function highlight(segs, needle) {
  if (!needle) return segs
  const whole = segs.map((s) => s.text).join("")
  const ranges = [...whole.matchAll(patternOf(needle))].map((m) => [m.index, m.index + m[0].length])
  if (ranges.length === 0) return segs
  const out = []
  let offset = 0
  for (const seg of segs) {
    const end = offset + seg.text.length
    let at = offset
    for (const [from, to] of ranges) {
      if (to <= at || from >= end) continue
      if (from > at) out.push({ text: whole.slice(at, from), cls: seg.cls })
      const stop = Math.min(to, end)
      out.push({ text: whole.slice(Math.max(from, at), stop), cls: seg.cls ? `${seg.cls} hit` : "hit" })
      at = stop
    }
    if (at < end) out.push({ text: whole.slice(at, end), cls: seg.cls })
    offset = end
  }
  return out
}
