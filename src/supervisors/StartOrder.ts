// The order services start in: layers of a topological sort over depends_on, so every service
// comes after what it depends on, and services in one layer are independent of each other.
// Shutdown walks the layers backwards. Pure; cycles are refused by the config check first.
import type { ServiceSpec } from "../config/ServiceSpec.ts"

export const startLayers = (
  specs: ReadonlyArray<Pick<ServiceSpec, "name" | "depends_on">>,
): Array<Array<string>> => {
  const known = new Set(specs.map((s) => s.name))
  const depth = new Map<string, number>()
  const visiting = new Set<string>()
  const byName = new Map(specs.map((s) => [s.name, s]))
  const depthOf = (name: string): number => {
    const cached = depth.get(name)
    if (cached !== undefined) return cached
    if (visiting.has(name)) return 0
    visiting.add(name)
    const deps = (byName.get(name)?.depends_on ?? []).filter((d) => known.has(d))
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depthOf))
    visiting.delete(name)
    depth.set(name, d)
    return d
  }
  const layers: Array<Array<string>> = []
  for (const spec of specs) {
    const d = depthOf(spec.name)
    while (layers.length <= d) layers.push([])
    layers[d]?.push(spec.name)
  }
  return layers
}
