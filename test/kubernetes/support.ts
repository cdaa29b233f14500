// What the Kubernetes export tests share: host facts made up per command (so golden files do
// not depend on this machine's programs), and every emitted object validated against the
// Kubernetes OpenAPI schemas that kubernetes-models ships (types, required keys, formats, enums)
// with the keys its kind does not have refused too (unknownFields.ts).
import { ConfigMap } from "kubernetes-models/v1/ConfigMap"
import { Secret } from "kubernetes-models/v1/Secret"
import { Service } from "kubernetes-models/v1/Service"
import { Deployment } from "kubernetes-models/apps/v1/Deployment"
import { CronJob } from "kubernetes-models/batch/v1/CronJob"
import { Job } from "kubernetes-models/batch/v1/Job"
import { Effect, Either } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loadConfig } from "../../src/config/ConfigFile.ts"
import { REDACTED } from "../../src/config/Secrets.ts"
import type { ServiceSpec } from "../../src/config/ServiceSpec.ts"
import type { HostFacts, Program } from "../../src/kubernetes/HostFacts.ts"
import type { KubeObject, ServiceExport } from "../../src/kubernetes/Manifest.ts"
import { exportServices, type ExportOptions } from "../../src/kubernetes/Workloads.ts"
import { unknownFieldsOf } from "./unknownFields.ts"

export interface MadeUpHost {
  readonly programs: Readonly<Record<string, Program>>
  readonly envFiles?: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly ids?: Readonly<Record<string, { uid: number; gid: number }>>
  readonly groups?: Readonly<Record<string, number>>
}

/** Facts as hostFactsOf would give them on a host with these programs, users and files. */
export const madeUpFacts = (spec: ServiceSpec, host: MadeUpHost, includeSecrets: boolean): HostFacts => {
  const envFile = spec.env_file === undefined ? {} : (host.envFiles?.[spec.env_file] ?? {})
  const ids = spec.user === undefined ? undefined : host.ids?.[spec.user]
  const gidOf = (g: string | number) => (typeof g === "number" ? g : (host.groups?.[g] ?? -1))
  const secretValues = includeSecrets
    ? Object.fromEntries(
        spec.secret_env.flatMap((k) => {
          const v = envFile[k] ?? (spec.env[k] === REDACTED ? undefined : spec.env[k])
          return v === undefined ? [] : [[k, v] as const]
        }),
      )
    : undefined
  return {
    program: spec.kubernetes?.image === undefined ? host.programs[spec.command] : undefined,
    uid: ids?.uid,
    gid: spec.group !== undefined ? gidOf(spec.group) : ids?.gid,
    supplementalGroups: spec.supplementary_groups.map(gidOf),
    envFile,
    secretValues,
    problems: [],
  }
}

/** Paths under `from` read as under `to`, as if the config lived there. */
export interface Relocation {
  readonly from: string
  readonly to: string
}

const relocate = (spec: ServiceSpec, { from, to }: Relocation): ServiceSpec => {
  const moved = (path: string) =>
    path === from || path.startsWith(`${from}/`) ? to + path.slice(from.length) : path
  return {
    ...spec,
    command: moved(spec.command),
    cwd: spec.cwd === undefined ? undefined : moved(spec.cwd),
    args: spec.args.map(moved),
  }
}

export const exportOf = async (
  configFile: string,
  host: MadeUpHost,
  options: Partial<ExportOptions> = {},
  relocation?: Relocation,
): Promise<Either.Either<ReadonlyArray<ServiceExport>, ReadonlyArray<string>>> => {
  const config = await Effect.runPromise(loadConfig(configFile, { identity: false }))
  const services =
    relocation === undefined ? config.services : config.services.map((s) => relocate(s, relocation))
  const includeSecrets = options.includeSecrets ?? false
  const facts = new Map(services.map((s) => [s.name, madeUpFacts(s, host, includeSecrets)]))
  return exportServices(services, config.supervisors, facts, {
    namespace: undefined,
    node: "pi1",
    nodeGiven: true,
    hostPorts: false,
    includeSecrets,
    ...options,
  })
}

export const exportedOf = async (...args: Parameters<typeof exportOf>) => {
  const result = await exportOf(...args)
  if (Either.isLeft(result)) throw new Error(`not exported:\n${result.left.join("\n")}`)
  return result.right
}

/** kubernetes-models' check of one object: types, required keys, formats and enums. */
const checkSchema = (object: KubeObject): void => {
  switch (object.kind) {
    case "ConfigMap":
      return new ConfigMap(object).validate()
    case "Secret":
      return new Secret(object).validate()
    case "Service":
      return new Service(object).validate()
    case "Deployment":
      return new Deployment(object).validate()
    case "Job":
      return new Job(object).validate()
    case "CronJob":
      return new CronJob(object).validate()
    default:
      throw new Error("the exporter wrote an unexpected kind")
  }
}

/**
 * Validates one object against its kind's OpenAPI schema, strictly (as `kubectl apply
 * --validate=strict`): a value of the wrong type or outside an enum, a missing required key,
 * and a key the kind does not have all throw, with the path.
 */
export const validate = (object: KubeObject): void => {
  checkSchema(object)
  const unknown = unknownFieldsOf(object)
  if (unknown.length > 0)
    throw new Error(`${object.kind} has fields Kubernetes does not know: ${unknown.join(", ")}`)
}

/** The object of `kind` exported for the service `name`. */
export const objectOf = <K extends KubeObject["kind"]>(
  exports: ReadonlyArray<ServiceExport>,
  name: string,
  kind: K,
): Extract<KubeObject, { kind: K }> => {
  const found = exports.find((e) => e.name === name)?.manifests.find((m) => m.object.kind === kind)?.object
  if (found === undefined) throw new Error(`no ${kind} for ${name}`)
  return found as Extract<KubeObject, { kind: K }>
}

const dirs: Array<string> = []

/** `text` as config.toml in a fresh temp dir (removed by removeConfigs). */
export const writeConfig = (text: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "dockless-k8s-"))
  dirs.push(dir)
  const file = join(dir, "config.toml")
  writeFileSync(file, text)
  return file
}

export const removeConfigs = () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}
