// What the root checks before it adds or changes a service: the spec decodes with the same
// decoder as config.toml (and its user exists on this host), it collides with no other service (ports, dependencies, names), and
// its `port = "auto"` gets a port from ports.auto_range; and what a reloaded config.toml must
// not do to the registered services. Pure: the root passes the services it has and the ports
// taken on the host.
import { Either } from "effect"
import { checkServices, type Config } from "../config/Config.ts"
import type { ConfigIssue } from "../config/ConfigError.ts"
import { joinPath } from "../config/Decoding.ts"
import { checkHost } from "../config/HostChecks.ts"
import { checkIdentity } from "../config/IdentityChecks.ts"
import { decodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import type { Source } from "../actors/ServiceView.ts"
import { allocatePort } from "./PortAllocator.ts"
import { SpecConflict, SpecInvalid } from "./SupervisorErrors.ts"

/** One service as the root knows it. */
export interface Entry {
  readonly name: string
  readonly source: Source
  readonly spec: ServiceSpec
  /** Its $PORT (a fixed `port` or its allocated auto port). */
  readonly port: number | undefined
}

export const nameOf = (raw: unknown): string =>
  typeof raw === "object" && raw !== null && "name" in raw && typeof raw.name === "string" ? raw.name : ""

export const decodeSpec = (
  config: Config,
  raw: unknown,
  name: string,
): Either.Either<ServiceSpec, SpecInvalid> =>
  Either.mapLeft(
    Either.flatMap(
      decodeServiceSpec(raw, {
        name,
        baseDir: config.baseDir,
        defaults: config.defaults,
        log: config.log,
        pathPrefix: "",
      }),
      (spec) => {
        const issues = [...checkHost(spec, ""), ...checkIdentity(spec, "")]
        return issues.length === 0 ? Either.right(spec) : Either.left(issues)
      },
    ),
    (issues) => new SpecInvalid({ issues }),
  )

/** The config's cross-checks over every other service plus `spec`, and: no port of `spec` is another's auto port. */
export const conflictsOf = (
  config: Config,
  entries: ReadonlyArray<Entry>,
  spec: ServiceSpec,
): SpecConflict | undefined => {
  const others = entries.filter((e) => e.name !== spec.name)
  const issues = [...checkServices(config, [...others.map((e) => e.spec), spec])]
  for (const other of others) {
    if (other.spec.port === "auto" && other.port !== undefined && spec.ports.includes(other.port)) {
      issues.push({
        path: `services.${spec.name}.ports`,
        message: `port ${other.port} is reserved by both service "${other.name}" (its auto port) and service "${spec.name}"`,
      })
    }
  }
  return issues.length === 0 ? undefined : new SpecConflict({ issues })
}

/**
 * What a reloaded config.toml must not do to the services registered through the API, which stay
 * across a reload: take one's name (said as such, with what to do), or collide with one (ports,
 * dependencies) as the config's cross-checks say.
 */
export const reloadConflicts = (
  after: Config,
  registered: ReadonlyArray<ServiceSpec>,
): ReadonlyArray<ConfigIssue> => {
  const apiNames = new Set(registered.map((s) => s.name))
  const taken = after.services
    .filter((s) => apiNames.has(s.name))
    .map((s) => ({
      path: joinPath("services", s.name),
      message:
        `service "${s.name}" in config.toml has the name of a service registered through the API; ` +
        `rename it there, or delete the registered one (DELETE /api/services/${s.name}), and reload again`,
    }))
  return taken.length > 0 ? taken : checkServices(after, [...after.services, ...registered])
}

/** Ports no new auto port may take: listen_port, and every other service's ports and $PORT. */
const reservedPorts = (config: Config, entries: ReadonlyArray<Entry>, except: string): Set<number> => {
  const reserved = new Set<number>([config.listen_port])
  for (const entry of entries) {
    if (entry.name === except) continue
    entry.spec.ports.forEach((p) => reserved.add(p))
    if (entry.port !== undefined) reserved.add(entry.port)
  }
  return reserved
}

/** The $PORT of a spec: its fixed `port`, or one from ports.auto_range (the `previous` one when still free). */
export const portOf = (
  config: Config,
  entries: ReadonlyArray<Entry>,
  spec: ServiceSpec,
  previous: number | null | undefined,
  /** The ports taken on the host, read only for `port = "auto"` (a read of /proc/net costs ~3 ms). */
  taken: () => ReadonlySet<number>,
): Either.Either<number | undefined, SpecConflict> => {
  if (spec.port !== "auto") return Either.right(spec.port)
  const reserved = reservedPorts(config, entries, spec.name)
  spec.ports.forEach((p) => reserved.add(p))
  const port = allocatePort(config.ports.auto_range, reserved, taken(), previous)
  return port !== undefined
    ? Either.right(port)
    : Either.left(
        new SpecConflict({
          issues: [
            {
              path: "port",
              message: `no free port left in ports.auto_range ${config.ports.auto_range.join("-")}`,
            },
          ],
        }),
      )
}
