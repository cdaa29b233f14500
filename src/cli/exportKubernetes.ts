// `dockless export kubernetes [--namespace NS] [--out DIR|-] [--node NAME] [--host-ports]
// [--include-secrets]`: config.toml's services and those registered through the API (from the
// running daemon when it answers, else from data_dir/services.json) as Kubernetes manifests
// (docs/kubernetes.md). The shell around the pure mapping of kubernetes/: it reads the config,
// the registrations and what the host says of each service (HostFacts.ts), and writes YAML to
// stdout or one file per service. Imported only by this command, with the `yaml` library.
import { Console, Effect, Either } from "effect"
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join, resolve } from "node:path"
import { defaultConfig, type Config } from "../config/Config.ts"
import { findConfigFile, loadConfig } from "../config/ConfigFile.ts"
import { loadCronFor } from "../config/CronLibrary.ts"
import { isTable } from "../config/Decoding.ts"
import { withKeptSecrets } from "../config/Secrets.ts"
import { decodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import { systemErrorReason } from "../os/SystemError.ts"
import { hostFactsOf, type HostFacts } from "../kubernetes/HostFacts.ts"
import { exportServices } from "../kubernetes/Workloads.ts"
import { manifestYaml, yamlStream } from "../kubernetes/Yaml.ts"
import { ClientFailed, connect } from "./Client.ts"

export interface KubernetesOptions {
  readonly namespace: string | undefined
  readonly out: string
  readonly node: string | undefined
  readonly hostPorts: boolean
  readonly includeSecrets: boolean
}

const failed = (message: string, code = 1) => new ClientFailed({ message, code })

/** Where the registered services came from, said in the output's first comment. */
interface Registered {
  readonly raws: ReadonlyArray<unknown>
  readonly from: string
}

/** The registered services' tables: the daemon's view of them, else services.json, else none. */
const registeredTables = (configPath: string | undefined, config: Config) =>
  Effect.gen(function* () {
    const asked = yield* Effect.either(
      connect(configPath).pipe(Effect.flatMap((d) => d.request("GET", "/api/services"))),
    )
    if (Either.isRight(asked) && asked.right.ok) {
      const views: unknown = yield* Effect.promise(() => asked.right.json())
      const raws = (Array.isArray(views) ? views : []).flatMap((v: unknown) =>
        isTable(v) && v["source"] === "api" && isTable(v["spec"]) ? [v["spec"]] : [],
      )
      return { raws, from: "the running daemon" } satisfies Registered
    }
    const file = join(config.data_dir, "services.json")
    let text: string
    try {
      text = readFileSync(file, "utf8")
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT")
        return { raws: [], from: "no running daemon, no services.json" } satisfies Registered
      return yield* Effect.fail(
        failed(
          `the daemon does not answer and ${file} cannot be read (${systemErrorReason(error)}): ` +
            "run it as root, or start the daemon, so the registered services are exported too",
        ),
      )
    }
    const parsed: unknown = yield* Effect.try({
      try: () => JSON.parse(text),
      catch: () => failed(`${file} is not valid JSON: the registered services cannot be read`),
    })
    const list = isTable(parsed) && Array.isArray(parsed["services"]) ? parsed["services"] : []
    return { raws: list, from: file } satisfies Registered
  })

/** data_dir/secrets.json's values, by service (only read with --include-secrets). */
const registeredSecrets = (config: Config): Record<string, Record<string, string>> | string => {
  const file = join(config.data_dir, "secrets.json")
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"))
    if (!isTable(parsed)) return {}
    return Object.fromEntries(
      Object.entries(parsed).map(([name, env]) => [
        name,
        isTable(env)
          ? Object.fromEntries(
              Object.entries(env).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
            )
          : {},
      ]),
    )
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return {}
    return `${file} cannot be read (${systemErrorReason(error)}); run it as root to include the registered services' secrets`
  }
}

const namePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

export const exportKubernetes = (configPath: string | undefined, options: KubernetesOptions) =>
  Effect.gen(function* () {
    if (
      options.namespace !== undefined &&
      !(namePattern.test(options.namespace) && options.namespace.length <= 63)
    )
      return yield* Effect.fail(
        failed(
          `--namespace "${options.namespace}" is not a Kubernetes namespace name (lower case letters, digits and "-")`,
          2,
        ),
      )
    const file = yield* findConfigFile(configPath, process.env, process.cwd())
    const config =
      file === undefined ? defaultConfig(process.cwd()) : yield* loadConfig(file, { identity: false })
    const registered = yield* registeredTables(configPath, config)
    yield* loadCronFor(registered.raws)
    const secrets = options.includeSecrets ? registeredSecrets(config) : {}
    const problems: Array<string> = []
    const fromApi: Array<ServiceSpec> = []
    for (const raw of registered.raws) {
      const name = isTable(raw) && typeof raw["name"] === "string" ? raw["name"] : ""
      const decoded = decodeServiceSpec(
        withKeptSecrets(raw, typeof secrets === "string" ? {} : (secrets[name] ?? {})),
        {
          name,
          baseDir: config.baseDir,
          defaults: config.defaults,
          log: config.log,
          pathPrefix: `registered service "${name}"`,
        },
      )
      if (Either.isLeft(decoded)) problems.push(...decoded.left.map((i) => `${i.path}: ${i.message}`))
      else if (!config.services.some((s) => s.name === name)) fromApi.push(decoded.right)
    }
    const services = [...config.services, ...fromApi]
    if (typeof secrets === "string" && fromApi.some((s) => s.secret_env.length > 0)) problems.push(secrets)
    const facts = new Map<string, HostFacts>(
      services.map((spec) => [
        spec.name,
        hostFactsOf(spec, {
          includeSecrets: options.includeSecrets,
          registeredSecrets: typeof secrets === "string" ? undefined : secrets[spec.name],
          pathVar: process.env["PATH"],
        }),
      ]),
    )
    const exported = exportServices(services, config.supervisors, facts, {
      namespace: options.namespace,
      node: options.node ?? hostname(),
      nodeGiven: options.node !== undefined,
      hostPorts: options.hostPorts,
      includeSecrets: options.includeSecrets,
    })
    if (Either.isLeft(exported) || problems.length > 0) {
      const all = [...problems, ...(Either.isLeft(exported) ? exported.left : [])]
      return yield* Effect.fail(
        failed(`cannot export to Kubernetes:\n${all.map((p) => `  ${p}`).join("\n")}`),
      )
    }
    const preamble =
      `# Written by dockless export kubernetes from ${file ?? "built-in defaults"} ` +
      `(registered services: ${registered.from}); see docs/kubernetes.md.\n`
    if (options.out === "-") {
      yield* Console.log(
        yamlStream(
          exported.right.flatMap((s) => s.manifests),
          preamble,
        ).trimEnd(),
      )
      return 0
    }
    const dir = resolve(options.out)
    yield* Effect.try({
      try: () => {
        mkdirSync(dir, { recursive: true })
        for (const service of exported.right) {
          const path = join(dir, `${service.kubeName}.yaml`)
          const mode = service.holdsSecrets ? 0o600 : 0o644
          writeFileSync(path, `${preamble}${service.manifests.map(manifestYaml).join("---\n")}`, { mode })
          // An existing file keeps its mode through a write: real secret values must not stay readable.
          chmodSync(path, mode)
        }
      },
      catch: (error) => failed(`cannot write to ${dir}: ${systemErrorReason(error)}`),
    })
    for (const service of exported.right) yield* Console.log(join(options.out, `${service.kubeName}.yaml`))
    return 0
  }).pipe(Effect.catchTag("ConfigInvalid", (e) => Effect.fail(failed(e.message))))
