// Every command of the `dockless` CLI in one list (SPEC section 2): its positionals, options,
// one-line summary and what it runs. Parsing, `--help` and the bash completion all read this.
// Each command's code is imported when it runs, so the daemon does not carry the clients' code
// (nor the clients the daemon's): each process loads only what it does.
import { Console, Effect } from "effect"
import type { CommandLine, CommandSpec } from "./Argv.ts"
import { ClientFailed } from "./Client.ts"
import { bashCompletion, shells } from "./completion.ts"
import { bundleDirOf } from "../bundleDir.ts"

export const schemaKinds = ["config", "openapi"] as const
export type SchemaKind = (typeof schemaKinds)[number]
const exportKinds = ["toml", "kubernetes"] as const
const kubernetesOptions = ["namespace", "out", "node", "host-ports", "include-secrets"] as const

/** Runs what a module exports once it is loaded. */
const using = <M, A, E>(load: () => Promise<M>, use: (module: M) => Effect.Effect<A, E>) =>
  Effect.promise(load).pipe(Effect.flatMap(use))

const bundleDir = () => bundleDirOf(import.meta.url)
const usage = (message: string) => new ClientFailed({ message, code: 2 })
const name = (line: CommandLine) => line.positionals[0] ?? ""
const config = (line: CommandLine) => line.string("config")

const root = {
  type: "string",
  value: "DIR",
  description: "install under DIR instead of / (default /)",
  complete: "directory",
} as const
const dryRun = { type: "boolean", description: "print every step without doing it" } as const

const controlCommand = (verb: "start" | "stop" | "restart", summary: string): CommandSpec => ({
  name: verb,
  args: "NAME | --group GROUP",
  summary,
  options: {
    group: {
      type: "string",
      value: "GROUP",
      description: `${verb} the whole [supervisors.GROUP] group, its members in order`,
    },
  },
  positionals: [1, 1],
  needs: "a service name",
  insteadOf: "group",
  complete: "services",
  run: (line) => {
    const group = line.string("group")
    if (group === undefined)
      return using(
        () => import("./control.ts"),
        (m) => m.control(config(line), verb, name(line)),
      )
    if (line.positionals.length > 0)
      return Effect.fail(usage(`${verb} takes a service NAME or --group GROUP, not both`))
    return using(
      () => import("./control.ts"),
      (m) => m.controlGroup(config(line), verb, group),
    )
  },
})

const lineCount = (text: string | undefined) =>
  Effect.suspend(() => {
    const lines = Number(text ?? "100")
    return Number.isInteger(lines) && lines >= 0
      ? Effect.succeed(lines)
      : Effect.fail(usage("-n takes a whole number of lines"))
  })

export const commands: ReadonlyArray<CommandSpec> = [
  {
    name: "run",
    args: "",
    summary: "run the daemon in the foreground (the default)",
    options: {},
    positionals: [0, 0],
    run: (line) =>
      using(
        () => import("./run.ts"),
        (m) => m.run(config(line)),
      ),
  },
  {
    name: "check",
    args: "",
    summary: "validate the config: ok, or every problem and exit 2",
    options: {},
    positionals: [0, 0],
    run: (line) =>
      using(
        () => import("./check.ts"),
        (m) => m.check(config(line)),
      ),
  },
  {
    name: "status",
    args: "[NAME]",
    summary: "the services as the running daemon sees them",
    options: { json: { type: "boolean", description: "print the daemon's JSON" } },
    positionals: [0, 1],
    complete: "services",
    run: (line) =>
      using(
        () => import("./status.ts"),
        (m) => m.status(config(line), line.positionals[0], line.flag("json")),
      ),
  },
  controlCommand("start", "start a service"),
  controlCommand("stop", "stop a service"),
  controlCommand("restart", "restart a service"),
  {
    name: "logs",
    args: "NAME",
    summary: "the last N lines a service wrote (default 100); -f follows",
    options: {
      lines: { type: "string", short: "n", value: "N", description: "how many lines (default 100)" },
      follow: { type: "boolean", short: "f", description: "keep printing new lines" },
    },
    positionals: [1, 1],
    needs: "a service name",
    complete: "services",
    run: (line) =>
      Effect.flatMap(lineCount(line.string("lines")), (lines) =>
        using(
          () => import("./logs.ts"),
          (m) => m.logs(config(line), name(line), lines, line.flag("follow")),
        ),
      ),
  },
  {
    name: "reload",
    args: "",
    summary: "read config.toml again and apply what changed, leaving the rest running (as SIGHUP)",
    options: {},
    positionals: [0, 0],
    run: (line) =>
      using(
        () => import("./reload.ts"),
        (m) => m.reload(config(line)),
      ),
  },
  {
    name: "export",
    args: "toml NAME | kubernetes",
    summary:
      "print a service's table as config.toml text (to move it into the file), or every service as Kubernetes manifests",
    options: {
      namespace: { type: "string", value: "NS", description: "kubernetes: the namespace of every object" },
      out: {
        type: "string",
        value: "DIR|-",
        description: "kubernetes: one YAML file per service in DIR, or one stream on stdout (-, the default)",
        complete: "directory",
      },
      node: {
        type: "string",
        value: "NAME",
        description: "kubernetes: the node that has the host's binaries (default: this host's name)",
      },
      "host-ports": { type: "boolean", description: "kubernetes: bind each port on the node too (hostPort)" },
      "include-secrets": {
        type: "boolean",
        description: "kubernetes: write secret_env values into the Secrets (else placeholders)",
      },
    },
    positionals: [1, 2],
    needs: "toml NAME, or kubernetes",
    complete: exportKinds,
    run: (line) => {
      const kind = line.positionals[0]
      if (kind === "toml") {
        const service = line.positionals[1]
        const foreign = kubernetesOptions.find((o) => line.string(o) !== undefined || line.flag(o))
        return foreign !== undefined
          ? Effect.fail(usage(`export toml takes no --${foreign} (it is an option of export kubernetes)`))
          : service === undefined
            ? Effect.fail(usage("export toml needs a service name"))
            : using(
                () => import("./export.ts"),
                (m) => m.exportToml(config(line), service),
              )
      }
      if (kind === "kubernetes")
        return line.positionals.length > 1
          ? Effect.fail(usage("export kubernetes takes no service name: it exports every service"))
          : using(
              () => import("./exportKubernetes.ts"),
              (m) =>
                m.exportKubernetes(config(line), {
                  namespace: line.string("namespace"),
                  out: line.string("out") ?? "-",
                  node: line.string("node"),
                  hostPorts: line.flag("host-ports"),
                  includeSecrets: line.flag("include-secrets"),
                }),
            )
      return Effect.fail(usage(`export takes one of: ${exportKinds.join(", ")}`))
    },
  },
  {
    name: "notify",
    args: "test",
    summary: "send a test alert to every [[notify]] target through the daemon; exit 1 if one fails",
    options: {},
    positionals: [1, 1],
    needs: "test",
    complete: ["test"],
    run: (line) =>
      line.positionals[0] === "test"
        ? using(
            () => import("./alerts.ts"),
            (m) => m.notifyTest(config(line)),
          )
        : Effect.fail(usage("notify takes: test")),
  },
  {
    name: "install",
    args: "",
    summary: "install Dockless as a systemd service",
    options: { root, "dry-run": dryRun },
    positionals: [0, 0],
    run: (line) =>
      using(
        () => import("./install.ts"),
        (m) =>
          m.install({
            root: line.string("root") ?? "/",
            dryRun: line.flag("dry-run"),
            bundleDir: bundleDir(),
          }),
      ).pipe(
        Effect.as(0),
        Effect.catchTag("InstallError", (e) =>
          Console.error(`dockless install: ${e.message}`).pipe(Effect.as(1)),
        ),
      ),
  },
  {
    name: "uninstall",
    args: "",
    summary: "take it away again; --purge also removes /etc/dockless",
    options: {
      root,
      "dry-run": dryRun,
      purge: { type: "boolean", description: "also remove /etc/dockless" },
    },
    positionals: [0, 0],
    run: (line) =>
      using(
        () => import("./install.ts"),
        (m) =>
          m.uninstall({
            root: line.string("root") ?? "/",
            dryRun: line.flag("dry-run"),
            purge: line.flag("purge"),
          }),
      ).pipe(
        Effect.as(0),
        Effect.catchTag("InstallError", (e) =>
          Console.error(`dockless uninstall: ${e.message}`).pipe(Effect.as(1)),
        ),
      ),
  },
  {
    name: "schema",
    args: schemaKinds.join("|"),
    summary: "print the JSON Schema of config.toml, or the API as OpenAPI",
    options: {},
    positionals: [1, 1],
    needs: `one of ${schemaKinds.join(", ")}`,
    complete: schemaKinds,
    run: (line) => {
      const kind = schemaKinds.find((k) => k === line.positionals[0])
      return kind === undefined
        ? Effect.fail(usage(`schema takes one of: ${schemaKinds.join(", ")}`))
        : using(
            () => import("./schema.ts"),
            (m) => m.printSchema(kind),
          )
    },
  },
  {
    name: "completion",
    args: shells.join("|"),
    summary: "print shell completion: source <(dockless completion bash)",
    options: {},
    positionals: [1, 1],
    needs: `a shell: ${shells.join(", ")}`,
    complete: shells,
    run: (line) =>
      shells.includes(line.positionals[0] ?? "")
        ? Console.log(bashCompletion(commands)).pipe(Effect.as(0))
        : Effect.fail(usage(`completion takes one of: ${shells.join(", ")}`)),
  },
]
