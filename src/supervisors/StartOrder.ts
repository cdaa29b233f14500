// The order of the tree: a service starts after what it depends on and after the sibling
// before it in its group; it stops only after everything that starts after it has stopped
// (reverse dependency order). Two graphs over service names, one the mirror of the other, so
// the root can stop independent branches concurrently and each chain in order. Pure; cycles
// (also through group order) are refused by the config check first.
import type { GroupSpec } from "../config/Config.ts"

export interface Ordered {
  readonly name: string
  readonly depends_on: ReadonlyArray<string>
}

/** For each service: the services that must be running before it starts. */
export const startAfter = (
  services: ReadonlyArray<Ordered>,
  groups: ReadonlyArray<GroupSpec>,
): ReadonlyMap<string, ReadonlyArray<string>> => {
  const known = new Set(services.map((s) => s.name))
  const previousInGroup = new Map<string, string>()
  for (const group of groups) {
    group.children.forEach((child, i) => {
      const previous = group.children[i - 1]
      if (previous !== undefined) previousInGroup.set(child, previous)
    })
  }
  return new Map(
    services.map((s) => {
      const previous = previousInGroup.get(s.name)
      const all = previous === undefined ? s.depends_on : [...s.depends_on, previous]
      return [s.name, [...new Set(all)].filter((n) => known.has(n) && n !== s.name)]
    }),
  )
}

/** For each service: the services that must have stopped before it stops (the mirror of startAfter). */
export const stopAfter = (
  before: ReadonlyMap<string, ReadonlyArray<string>>,
): ReadonlyMap<string, ReadonlyArray<string>> => {
  const after = new Map<string, Array<string>>([...before.keys()].map((name) => [name, []]))
  for (const [name, prerequisites] of before) {
    for (const prerequisite of prerequisites) after.get(prerequisite)?.push(name)
  }
  return after
}
