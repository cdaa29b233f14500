// Checks that span services, run after each service decoded on its own: ports reserved twice
// or equal to Dockless's listen_port (SPEC section 6), depends_on naming unknown services or
// itself, start-order cycles (depends_on and group order together: a later child of a group
// starts after the earlier ones), and group children that are unknown or in two groups.
import { issue, type ConfigIssue } from "./ConfigError.ts"
import { joinPath, type Issues } from "./Decoding.ts"
import type { GroupSpec } from "./GroupSpec.ts"
import type { ServiceLinks } from "./ServiceSpec.ts"
import { suggest } from "./Suggest.ts"

const servicePath = (name: string, key: string) => joinPath(joinPath("services", name), key)
const childrenPath = (group: string) => joinPath(joinPath("supervisors", group), "children")

const unknownService = (name: string, known: ReadonlyArray<string>): string => {
  const hint = suggest(name, known)
  return `names unknown service ${JSON.stringify(name)}${hint ? ` (did you mean "${hint}"?)` : ""}`
}

const checkDuplicates = (services: ReadonlyArray<ServiceLinks>): Issues =>
  services
    .filter((s, i) => services.findIndex((other) => other.name === s.name) !== i)
    .map((s) => issue(joinPath("services", s.name), `service ${JSON.stringify(s.name)} is already defined`))

const reservedPorts = (s: ServiceLinks): ReadonlyArray<number> =>
  typeof s.port === "number" && !s.ports.includes(s.port) ? [...s.ports, s.port] : s.ports

const checkPorts = (listenPort: number, services: ReadonlyArray<ServiceLinks>): Issues => {
  const owners = new Map<number, string>()
  const issues: Array<ConfigIssue> = []
  for (const s of services) {
    for (const p of reservedPorts(s)) {
      const at = servicePath(s.name, s.ports.includes(p) ? "ports" : "port")
      const owner = owners.get(p)
      if (p === listenPort)
        issues.push(
          issue(
            at,
            `port ${p} is Dockless's own listen_port (dashboard and API); service ${JSON.stringify(s.name)} cannot reserve it`,
          ),
        )
      else if (owner !== undefined)
        issues.push(
          issue(
            at,
            `port ${p} is reserved by both service ${JSON.stringify(owner)} and service ${JSON.stringify(s.name)}`,
          ),
        )
      else owners.set(p, s.name)
    }
  }
  return issues
}

const checkDependsOn = (services: ReadonlyArray<ServiceLinks>, known: ReadonlyArray<string>): Issues =>
  services.flatMap((s) =>
    s.depends_on.flatMap((dep) => {
      const at = servicePath(s.name, "depends_on")
      if (dep === s.name) return [issue(at, `service ${JSON.stringify(s.name)} depends on itself`)]
      return known.includes(dep) ? [] : [issue(at, unknownService(dep, known))]
    }),
  )

/** "x starts after y": because x depends_on y, or because y comes before x in a group. */
interface StartsAfter {
  readonly from: string
  readonly to: string
  readonly group: string | undefined
}

const startEdges = (services: ReadonlyArray<ServiceLinks>, groups: ReadonlyArray<GroupSpec>) => {
  const names = services.map((s) => s.name)
  const edges: Array<StartsAfter> = services.flatMap((s) =>
    s.depends_on
      .filter((d) => d !== s.name && names.includes(d))
      .map((to) => ({ from: s.name, to, group: undefined })),
  )
  for (const group of groups) {
    const children = group.children.filter((c, i) => names.includes(c) && group.children.indexOf(c) === i)
    for (let i = 1; i < children.length; i++)
      edges.push({ from: children[i] ?? "", to: children[i - 1] ?? "", group: group.name })
  }
  return edges
}

/**
 * Every distinct start-order cycle, as its edges, rotated to start at the service that comes
 * first in the file. A cycle is named once whichever service it is found from.
 */
const findCycles = (
  services: ReadonlyArray<ServiceLinks>,
  groups: ReadonlyArray<GroupSpec> = [],
): ReadonlyArray<ReadonlyArray<StartsAfter>> => {
  const order = services.map((s) => s.name)
  const edges = startEdges(services, groups)
  const done = new Set<string>()
  const cycles = new Map<string, ReadonlyArray<StartsAfter>>()
  const visit = (name: string, trail: ReadonlyArray<StartsAfter>): void => {
    const at = trail.findIndex((e) => e.from === name)
    if (at >= 0) {
      const loop = trail.slice(at)
      const first = loop.reduce((a, b) => (order.indexOf(b.from) < order.indexOf(a.from) ? b : a))
      const start = loop.indexOf(first)
      const rotated = [...loop.slice(start), ...loop.slice(0, start)]
      cycles.set(
        rotated
          .map((e) => e.from)
          .sort()
          .join("\0"),
        rotated,
      )
      return
    }
    if (done.has(name)) return
    for (const edge of edges.filter((e) => e.from === name)) visit(edge.to, [...trail, edge])
    done.add(name)
  }
  for (const name of order) visit(name, [])
  return [...cycles.values()]
}

const cycleIssue = (cycle: ReadonlyArray<StartsAfter>): ConfigIssue => {
  const [first] = cycle
  const names = [...cycle.map((e) => e.from), first?.from ?? ""]
  const notes = cycle
    .filter((e) => e.group !== undefined)
    .map((e) => `${e.from} comes after ${e.to} in supervisors.${e.group ?? ""}`)
  const at =
    first?.group === undefined ? servicePath(first?.from ?? "", "depends_on") : childrenPath(first.group)
  return issue(
    at,
    `dependency cycle: ${names.join(" -> ")}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
  )
}

const checkGroups = (groups: ReadonlyArray<GroupSpec>, known: ReadonlyArray<string>): Issues => {
  const memberOf = new Map<string, string>()
  const issues: Array<ConfigIssue> = []
  for (const group of groups) {
    const at = childrenPath(group.name)
    for (const child of group.children) {
      const owner = memberOf.get(child)
      if (!known.includes(child)) issues.push(issue(at, unknownService(child, known)))
      else if (owner === group.name)
        issues.push(issue(at, `service ${JSON.stringify(child)} is listed twice`))
      else if (owner !== undefined)
        issues.push(
          issue(
            at,
            `service ${JSON.stringify(child)} is already a child of supervisors.${owner}; a service belongs to at most one group`,
          ),
        )
      else memberOf.set(child, group.name)
    }
  }
  return issues
}

/** All cross-checks; `known` is every service name in the file (also those that failed to decode). */
export const crossCheck = (
  listenPort: number,
  groups: ReadonlyArray<GroupSpec>,
  services: ReadonlyArray<ServiceLinks>,
  known: ReadonlyArray<string>,
): Issues => [
  ...checkDuplicates(services),
  ...checkPorts(listenPort, services),
  ...checkDependsOn(services, known),
  ...findCycles(services, groups).map(cycleIssue),
  ...checkGroups(groups, known),
]
