// Checks that span services, run after each service decoded on its own: ports reserved twice
// or equal to Dockless's listen_port (SPEC section 6), depends_on naming unknown services or
// itself, depends_on cycles, and group children that are unknown or in two groups.
import type { GroupSpec } from "./Config.ts"
import { issue, type ConfigIssue } from "./ConfigError.ts"
import { joinPath, type Issues } from "./Decode.ts"
import type { ServiceLinks } from "./ServiceSpec.ts"
import { suggest } from "./Suggest.ts"

const servicePath = (name: string, key: string) => joinPath(joinPath("services", name), key)

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

/** Every distinct depends_on cycle, each rotated to start at the service that comes first in the file. */
export const findCycles = (services: ReadonlyArray<ServiceLinks>): ReadonlyArray<ReadonlyArray<string>> => {
  const order = services.map((s) => s.name)
  const edges = new Map(
    services.map((s) => [s.name, s.depends_on.filter((d) => d !== s.name && order.includes(d))]),
  )
  const done = new Set<string>()
  const cycles = new Map<string, ReadonlyArray<string>>()
  const visit = (name: string, stack: ReadonlyArray<string>): void => {
    if (done.has(name)) return
    const at = stack.indexOf(name)
    if (at >= 0) {
      const loop = stack.slice(at)
      const first = loop.reduce((a, b) => (order.indexOf(b) < order.indexOf(a) ? b : a))
      const start = loop.indexOf(first)
      const rotated = [...loop.slice(start), ...loop.slice(0, start)]
      cycles.set([...rotated].sort().join("\0"), [...rotated, first])
      return
    }
    for (const next of edges.get(name) ?? []) visit(next, [...stack, name])
    done.add(name)
  }
  for (const name of order) visit(name, [])
  return [...cycles.values()]
}

const checkCycles = (services: ReadonlyArray<ServiceLinks>): Issues =>
  findCycles(services).map((cycle) =>
    issue(servicePath(cycle[0] ?? "", "depends_on"), `dependency cycle: ${cycle.join(" -> ")}`),
  )

const checkGroups = (groups: ReadonlyArray<GroupSpec>, known: ReadonlyArray<string>): Issues => {
  const memberOf = new Map<string, string>()
  const issues: Array<ConfigIssue> = []
  for (const group of groups) {
    const at = joinPath(joinPath("supervisors", group.name), "children")
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
  ...checkCycles(services),
  ...checkGroups(groups, known),
]
