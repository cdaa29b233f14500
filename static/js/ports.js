// The ports cell of a service row: the live ports of a view plus its fixed ones not bound yet,
// each marked when it is the auto-assigned `$PORT` (or a bare "auto" tag while none is assigned).
// Pure function.

/** The ports of a view, each marked when it is the auto-assigned one (or "auto" not yet assigned). */
export function portItems(view) {
  const spec = (view && view.spec) || {}
  const fixed = Array.isArray(spec.ports) ? spec.ports : []
  const live = Array.isArray(view && view.ports) ? view.ports : []
  const auto = spec.port === "auto"
  const items = live.map((p) => ({
    key: String(p),
    text: String(p),
    auto: auto && !fixed.includes(p),
  }))
  for (const p of fixed) if (!live.includes(p)) items.push({ key: String(p), text: String(p), auto: false })
  // Not assigned yet (e.g. never started): just the "auto" tag.
  if (auto && !items.some((i) => i.auto)) items.push({ key: "auto", text: "", auto: true })
  return items
}
