// `dockless run`: the daemon. Boot follows SPEC section 8: load config, open the data dir,
// restore registered services and desired states, stop processes left by a previous run,
// start services in dependency order, listen. Interruption (SIGTERM/SIGINT through main.ts)
// closes the scope: the HTTP server first, then every service in reverse start order; a second
// signal meanwhile SIGKILLs every service's process group and exits (HardStop, main.ts).
import { Clock, Console, Context, Effect, Layer, Runtime } from "effect"
import { withKeptSecrets } from "../config/Secrets.ts"
import { readSecrets } from "../state/SecretsFile.ts"
import { checkServices, defaultConfig, type Config } from "../config/Config.ts"
import { configCandidates, findConfigFile, loadConfig } from "../config/ConfigFile.ts"
import type { ConfigInvalid } from "../config/ConfigError.ts"
import { loadCronFor } from "../config/CronLibrary.ts"
import { decodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"
import { Escapees } from "../actors/Escapees.ts"
import { LOG_DIR_MODE } from "../actors/LogFile.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { instanceOf } from "../os/Markers.ts"
import { HeapGovernor } from "../monitor/HeapGovernor.ts"
import { Monitor } from "../monitor/Monitor.ts"
import { openDataDir } from "../state/DataDir.ts"
import { Store } from "../state/Store.ts"
import { reapLeftovers } from "../supervisors/Leftovers.ts"
import { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import { SpawnBudget } from "../supervisors/SpawnBudget.ts"
import { HttpServer } from "../http/server.ts"
import { Notifier } from "../notify/Notifier.ts"
import { notifyReady, notifyStopping } from "./notify.ts"
import { armHardStop } from "./HardStop.ts"
import { version } from "../version.ts"

const resolveConfig = (configPath: string | undefined): Effect.Effect<Config, ConfigInvalid> =>
  Effect.gen(function* () {
    const file = yield* findConfigFile(configPath, process.env, process.cwd())
    if (file !== undefined) return yield* loadConfig(file)
    const tried = configCandidates(configPath, process.env, process.cwd()).map((c) => c.file)
    yield* Effect.logWarning(
      `no config file found (looked for ${tried.join(", ")}); running on built-in defaults with no services`,
    )
    return defaultConfig(process.cwd())
  })

/** Registered services that still decode and do not collide with config.toml; the rest are reported and skipped. */
const restoreRegistered = (config: Config, raws: ReadonlyArray<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const kept: Array<ServiceSpec> = []
    yield* loadCronFor(raws)
    // services.json has secret values redacted; their real values are in secrets.json.
    const secrets = yield* readSecrets(config.data_dir, new Date(yield* Clock.currentTimeMillis))
    for (const raw of raws) {
      const name = typeof raw["name"] === "string" ? raw["name"] : ""
      const decoded = decodeServiceSpec(withKeptSecrets(raw, secrets[name] ?? {}), {
        name,
        baseDir: config.baseDir,
        defaults: config.defaults,
        log: config.log,
        pathPrefix: "",
      })
      if (decoded._tag === "Left") {
        yield* Effect.logError(
          `services.json: skipping "${name}": ${decoded.left.map((i) => `${i.path} ${i.message}`).join("; ")}`,
        )
        continue
      }
      const issues = checkServices(config, [...config.services, ...kept, decoded.right])
      if (issues.length > 0) {
        yield* Effect.logError(
          `services.json: skipping "${name}": ${issues.map((i) => i.message).join("; ")}`,
        )
        continue
      }
      kept.push(decoded.right)
    }
    return kept
  })

const daemon = (config: Config) =>
  Effect.gen(function* () {
    yield* openDataDir(config.data_dir, LOG_DIR_MODE)
    // From now on a second SIGTERM/SIGINT kills this daemon's services before exiting (main.ts).
    yield* armHardStop(instanceOf(config.data_dir))
    // Built first, so it is released last: writes still pending are flushed after every service stopped.
    const store = Context.get(yield* Layer.build(Store.layer(config.data_dir)), Store)
    const loaded = yield* store.load
    for (const problem of loaded.problems) yield* Effect.logWarning(problem.message)
    const registered = yield* restoreRegistered(config, loaded.registered)
    const specs = new Map([...config.services, ...registered].map((s) => [s.name, s]))
    const reaped = yield* reapLeftovers(loaded.records, specs, instanceOf(config.data_dir))
    for (const leftover of reaped) {
      yield* Effect.logInfo(
        `stopped ${leftover.name}'s leftover process group (pid ${leftover.pid}) from a previous run`,
      )
    }
    const core = RootSupervisor.layer(config, registered, loaded.records, notifyStopping).pipe(
      Layer.provideMerge(ServiceViews.layer),
      Layer.provideMerge(SpawnBudget.layer),
      Layer.provideMerge(Escapees.layer),
      Layer.provideMerge(Layer.succeed(Store, store)),
    )
    const monitored = Monitor.layer.pipe(Layer.provideMerge(core))
    // After the boot: the tree's start-up allocations are V8's to collect.
    const governed = HeapGovernor.layer.pipe(Layer.provideMerge(monitored))
    // Alerts read the tree's views and never block it; without [[notify]] nothing of them loads.
    // The lifecycle layer says "started" once built and "stopped" first thing at shutdown (<= 2 s).
    const notified = Notifier.lifecycle.pipe(
      Layer.provideMerge(Notifier.layer(config)),
      Layer.provideMerge(governed),
    )
    const app = HttpServer.layer(config).pipe(Layer.provideMerge(notified))
    const built = yield* Layer.build(app)
    const http = Context.get(built, HttpServer)
    yield* Effect.logInfo(`dockless ${version} ready: ${specs.size} services, dashboard on ${http.url}`)
    if (http.fingerprint !== undefined)
      yield* Effect.logInfo(`TLS certificate SHA-256 fingerprint: ${http.fingerprint}`)
    // In a terminal (not under systemd), the addresses to open from another machine, and a QR code for a phone.
    if (process.stdout.isTTY) {
      const { lanUrlsText } = yield* Effect.promise(() => import("./LanUrls.ts"))
      yield* Console.log(lanUrlsText(config, http.url))
    }
    yield* reloadOnHangup(Context.get(built, RootSupervisor))
    yield* notifyReady
    // Runs until interrupted (SIGTERM), or until the tree gives up past the root's intensity:
    // then the whole tree stops in order and Dockless exits for systemd to start it afresh.
    yield* Context.get(built, RootSupervisor).fatal
    return EXIT_TREE_GAVE_UP
  }).pipe(Effect.scoped)

/**
 * SIGHUP (and `systemctl reload dockless`, whose ExecReload= sends it) reads config.toml again,
 * as `dockless reload` does; the TLS listener reads its certificate again on the same signal.
 */
const reloadOnHangup = (root: RootSupervisor["Type"]) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const reload = () =>
      Runtime.runFork(runtime)(
        root.reload.pipe(
          Effect.asVoid,
          Effect.catchAll((failure) =>
            Effect.logError(`SIGHUP: config.toml not reloaded: ${failure.message}`),
          ),
        ),
      )
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("SIGHUP", reload)),
      () => Effect.sync(() => process.off("SIGHUP", reload)),
    )
  })

/** EX_SOFTWARE: what `run` exits with when the tree gave up (systemd's Restart=always restarts it). */
export const EXIT_TREE_GAVE_UP = 70

export const run = (configPath: string | undefined): Effect.Effect<number> =>
  Effect.gen(function* () {
    const config = yield* resolveConfig(configPath)
    yield* Effect.logInfo(
      `dockless ${version} starting (config ${config.file ?? "built-in defaults"}, data ${config.data_dir})`,
    )
    for (const notice of config.notices) yield* Effect.logWarning(notice)
    return yield* daemon(config).pipe(
      Effect.onInterrupt(() => Effect.logInfo("dockless stopped")),
      Effect.catchAll((failure) => Effect.logError(failure.message).pipe(Effect.as(1))),
    )
  }).pipe(
    Effect.catchTag("ConfigInvalid", (error) =>
      Effect.sync(() => process.stderr.write(`${error.message}\n`)).pipe(Effect.as(2)),
    ),
  )
