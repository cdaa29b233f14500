// `dockless export kubernetes`'s mapping (issue 23), row by row as docs/kubernetes.md lists them,
// on a config using every key of a service and of a group (test/fixtures/kubernetes/every-row.toml)
// and on examples/config.toml:
// golden files (UPDATE_GOLDEN=1 rewrites them), every object validated against the Kubernetes
// OpenAPI schemas (kubernetes-models), the YAML read back to the same objects by a YAML 1.1
// reader (kubectl's), and what cannot be exported refused with a sentence each.
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import type { IPodSpec } from "kubernetes-models/v1/PodSpec"
import { afterAll, describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import { cronOf } from "../../src/kubernetes/CronSchedule.ts"
import { kubeNameOf } from "../../src/kubernetes/Manifest.ts"
import { programAt } from "../../src/kubernetes/HostFacts.ts"
import { baseImage, staticBaseImage } from "../../src/kubernetes/PodSpec.ts"
import { exportServices, SECRET_PLACEHOLDER } from "../../src/kubernetes/Workloads.ts"
import { decodeServiceSpec, defaultLog } from "../../src/config/ServiceSpec.ts"
import { yamlStream } from "../../src/kubernetes/Yaml.ts"
import { ROOT } from "../support/daemon.ts"
import {
  exportedOf,
  exportOf,
  madeUpFacts,
  objectOf,
  removeConfigs,
  validate,
  writeConfig,
  type MadeUpHost,
} from "./support.ts"

afterAll(removeConfigs)

const FIXTURES = join(ROOT, "test/fixtures/kubernetes")
const EVERY_ROW = join(FIXTURES, "every-row.toml")
const PREAMBLE = "# golden export\n"

const elf = (path: string, isStatic: boolean) => ({ _tag: "Elf", path, static: isStatic }) as const
const host: MadeUpHost = {
  programs: {
    "/opt/db/bin/db": elf("/opt/db/bin/db", true),
    "/usr/local/bin/worker": elf("/usr/local/bin/worker", false),
    "/opt/api/bin/migrate": elf("/opt/api/bin/migrate", true),
    "/opt/backup/backup.sh": { _tag: "Script", path: "/opt/backup/backup.sh", interpreter: "/bin/sh" },
    "/opt/sync/sync": elf("/opt/sync/sync", true),
    "/opt/cache/cache": elf("/opt/cache/cache", false),
    "/opt/cache/helper": { _tag: "Script", path: "/opt/cache/helper", interpreter: "python3" },
    "/opt/notifier/notifier": elf("/opt/notifier/notifier", true),
  },
  envFiles: { "/etc/dockless/db.env": { DB_USER: "app", DB_PASSWORD: "hunter2", DB_MODE: "on" } },
  ids: { nobody: { uid: 65534, gid: 65534 } },
  groups: { nogroup: 65534 },
}

/** Compares with the golden file, or writes it with UPDATE_GOLDEN=1. */
const golden = (file: string, text: string) => {
  const path = join(FIXTURES, file)
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(path, text)
  expect(text).toBe(readFileSync(path, "utf8"))
}

/** A service's YAML with its comments unwrapped, to find a note in it whatever its line breaks. */
const notesOf = (exports: Awaited<ReturnType<typeof everyRow>>, name: string) =>
  yamlStream(exports.find((e) => e.name === name)?.manifests ?? [], "").replace(/\n[ \t]*# ?/g, " ")

const everyRow = (options: Parameters<typeof exportedOf>[2] = {}) =>
  exportedOf(EVERY_ROW, host, { namespace: "home", ...options })

describe("dockless export kubernetes: the whole output", () => {
  it("writes the golden stream for a config using every service and group key, the same bytes every time", async () => {
    const first = yamlStream(
      (await everyRow()).flatMap((s) => s.manifests),
      PREAMBLE,
    )
    const second = yamlStream(
      (await everyRow()).flatMap((s) => s.manifests),
      PREAMBLE,
    )
    expect(second).toBe(first)
    golden("every-row.yaml", first)
  })

  it("writes the golden stream for examples/config.toml, wherever the checkout is", async () => {
    // The checkout stands as /srv/dockless before export, so neither comment wrapping nor the
    // order of mounts (sorted by path) depends on where the repository was cloned.
    const examples = "/srv/dockless/examples"
    const exported = await exportedOf(
      join(ROOT, "examples", "config.toml"),
      {
        programs: {
          [join(examples, "ticker.sh")]: {
            _tag: "Script",
            path: join(examples, "ticker.sh"),
            interpreter: "/bin/sh",
          },
          [join(examples, "flaky.sh")]: {
            _tag: "Script",
            path: join(examples, "flaky.sh"),
            interpreter: "/bin/sh",
          },
          node: elf("/usr/bin/node", false),
        },
      },
      {},
      { from: ROOT, to: "/srv/dockless" },
    )
    for (const m of exported.flatMap((s) => s.manifests)) validate(m.object)
    const text = yamlStream(
      exported.flatMap((s) => s.manifests),
      PREAMBLE,
    )
    expect(text).not.toContain(join(ROOT, "examples"))
    golden("examples.yaml", text)
  })

  it("validates every object against the Kubernetes OpenAPI schemas, with and without the options", async () => {
    for (const options of [{}, { includeSecrets: true }]) {
      const objects = (await everyRow(options)).flatMap((s) => s.manifests.map((m) => m.object))
      expect(objects.length).toBeGreaterThan(10)
      for (const object of objects)
        expect(() => validate(object), `${object.kind} ${object.metadata?.name}`).not.toThrow()
    }
  })

  it("validates an export with --host-ports, every containerPort bound as the same hostPort", async () => {
    // every-row's worker has port = "auto", which --host-ports refuses (and only that):
    expect(await exportOf(EVERY_ROW, host, { hostPorts: true })).toEqual(
      Either.left([expect.stringMatching(/^services\.worker\.port: "auto" has no fixed port/)]),
    )
    const exported = await exportedOf(
      join(FIXTURES, "host-ports.toml"),
      {
        programs: {
          "/opt/web/web": elf("/opt/web/web", true),
          "/opt/queue/queue": elf("/opt/queue/queue", false),
          "/opt/queue/sweep": elf("/opt/queue/sweep", true),
        },
      },
      { hostPorts: true, namespace: undefined, nodeGiven: false },
    )
    const objects = exported.flatMap((s) => s.manifests.map((m) => m.object))
    expect(objects.map((o) => `${o.kind} ${o.metadata?.name}`).sort()).toEqual([
      "CronJob sweep",
      "Deployment web",
      "Job queue",
      "Service queue",
      "Service sweep",
      "Service web",
    ])
    for (const object of objects)
      expect(() => validate(object), `${object.kind} ${object.metadata?.name}`).not.toThrow()
    const portsOf = (pod: IPodSpec | undefined) => pod?.containers.flatMap((c) => c.ports ?? [])
    expect(portsOf(objectOf(exported, "web", "Deployment").spec?.template.spec)).toEqual([
      { containerPort: 8081, protocol: "TCP", hostPort: 8081 },
      { containerPort: 8443, protocol: "TCP", hostPort: 8443 },
    ])
    expect(portsOf(objectOf(exported, "queue", "Job").spec?.template.spec)).toEqual([
      { containerPort: 9000, protocol: "TCP", hostPort: 9000 },
    ])
    expect(portsOf(objectOf(exported, "sweep", "CronJob").spec?.jobTemplate.spec?.template.spec)).toEqual([
      { containerPort: 9100, protocol: "TCP", hostPort: 9100 },
    ])
    expect(notesOf(exported, "web")).toContain(
      "hostPort binds the node's ports, as Dockless does (--host-ports)",
    )
  })

  it("reads back, by a YAML 1.2 and a YAML 1.1 reader alike, as the objects it was made from", async () => {
    const manifests = (await everyRow()).flatMap((s) => s.manifests)
    const text = yamlStream(manifests, PREAMBLE)
    for (const version of ["1.1", "1.2"] as const) {
      const docs = parseAllDocuments(text, { version })
      expect(Array.isArray(docs) ? docs.map((d) => d.toJSON()) : []).toEqual(
        JSON.parse(JSON.stringify(manifests.map((m) => m.object))),
      )
    }
    // "yes" and "on" would be booleans to kubectl's YAML 1.1 reader: they are quoted.
    expect(text).toContain('value: "yes"')
    expect(text).toContain('DB_MODE: "on"')
  })
})

describe("dockless export kubernetes: each row of the mapping", () => {
  it('makes restart = "always" a Deployment of one replica, replaced with Recreate', async () => {
    const d = objectOf(await everyRow(), "api", "Deployment")
    expect(d.spec?.replicas).toBe(1)
    expect(d.spec?.strategy).toEqual({ type: "Recreate" })
    expect(d.metadata?.namespace).toBe("home")
  })

  it("makes on-failure a Job with OnFailure and backoffLimit from intensity, never a Job with Never and 0", async () => {
    const exported = await everyRow()
    const worker = objectOf(exported, "worker", "Job")
    expect(worker.spec?.backoffLimit).toBe(4)
    expect(worker.spec?.template.spec?.restartPolicy).toBe("OnFailure")
    expect(worker.spec?.suspend).toBe(true) // autostart = false
    const migrate = objectOf(exported, "migrate", "Job")
    expect(migrate.spec?.backoffLimit).toBe(0)
    expect(migrate.spec?.template.spec?.restartPolicy).toBe("Never")
  })

  it("makes a scheduled oneshot a CronJob: cron as it is, every 10m converted, overlap as concurrencyPolicy", async () => {
    const exported = await everyRow()
    const backup = objectOf(exported, "backup", "CronJob")
    expect(backup.spec?.schedule).toBe("0 3 * * *")
    expect(backup.spec?.concurrencyPolicy).toBe("Forbid") // queue: said in a note
    expect(backup.spec?.startingDeadlineSeconds).toBeUndefined() // catch_up = true
    const sync = objectOf(exported, "sync", "CronJob")
    expect(sync.spec?.schedule).toBe("*/10 * * * *")
    expect(sync.spec?.concurrencyPolicy).toBe("Replace")
    expect(sync.spec?.startingDeadlineSeconds).toBe(60)
    const text = notesOf(exported, "backup")
    expect(text).toContain('overlap = "queue" has no CronJob equivalent')
    const report = objectOf(exported, "report", "CronJob")
    expect(report.spec?.concurrencyPolicy).toBe("Forbid") // skip: the same thing, nothing to say
    expect(report.spec?.schedule).toBe("0 */6 * * *")
    const reportNotes = notesOf(exported, "report")
    expect(reportNotes).toContain('overlap = "skip" → Forbid')
    expect(reportNotes).not.toContain("no CronJob equivalent")
  })

  it.each([
    ["every 1m", "* * * * *"],
    ["every 15m", "*/15 * * * *"],
    ["every 1h", "0 * * * *"],
    ["every 6h", "0 */6 * * *"],
    ["every 24h", "0 0 * * *"],
    ["0 30 2 * * *", "30 2 * * *"],
  ])("converts the schedule %s to %s", (schedule, cron) => {
    expect(cronOf(schedule)).toEqual({ _tag: "Cron", expression: cron, converted: true })
  })

  it.each(["every 7m", "every 90s", "every 5h", "every 2d", "*/30 * * * * *"])(
    "refuses the schedule %s with a sentence",
    (schedule) => {
      const result = cronOf(schedule)
      expect(result._tag).toBe("Refused")
    },
  )

  it("carries command, args, cwd and env over; env_file as a ConfigMap; secret_env as a Secret with placeholders", async () => {
    const exported = await everyRow()
    const api = objectOf(exported, "api", "Deployment").spec?.template.spec?.containers[0]
    expect(api?.command).toEqual(["/opt/api/bin/api"])
    expect(api?.args).toEqual(["--listen", "0.0.0.0:8080"])
    expect(api?.workingDir).toBe("/srv/api")
    expect(api?.env).toEqual([
      { name: "API_KEY", valueFrom: { secretKeyRef: { name: "api-secret", key: "API_KEY" } } },
      { name: "ENABLED", value: "yes" },
      { name: "RUST_LOG", value: "info" },
    ])
    expect(objectOf(exported, "api", "Secret").stringData).toEqual({ API_KEY: SECRET_PLACEHOLDER })
    expect(objectOf(exported, "db", "ConfigMap").data).toEqual({ DB_USER: "app", DB_MODE: "on" })
    expect(objectOf(exported, "db", "Secret").stringData).toEqual({ DB_PASSWORD: SECRET_PLACEHOLDER })
    const db = objectOf(exported, "db", "Deployment").spec?.template.spec?.containers[0]
    expect(db?.envFrom).toEqual([{ configMapRef: { name: "db-env" } }])
    expect(db?.env).toEqual([
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db-secret", key: "DB_PASSWORD" } } },
    ])
    const all = yamlStream(
      exported.flatMap((s) => s.manifests),
      "",
    )
    expect(all).not.toContain("s3cret-from-config")
    expect(all).not.toContain("hunter2")
  })

  it("writes the real secret values only with --include-secrets, and says the export holds them", async () => {
    const exported = await everyRow({ includeSecrets: true })
    expect(objectOf(exported, "api", "Secret").stringData).toEqual({ API_KEY: "s3cret-from-config" })
    expect(objectOf(exported, "db", "Secret").stringData).toEqual({ DB_PASSWORD: "hunter2" })
    expect(exported.filter((e) => e.holdsSecrets).map((e) => e.name)).toEqual(["api", "db"])
  })

  it("gives user, group and supplementary_groups as numbers, and says what of the identity does not carry over", async () => {
    const exported = await everyRow()
    const pod = objectOf(exported, "api", "Deployment").spec?.template.spec
    expect(pod?.securityContext).toEqual({ runAsUser: 65534, runAsGroup: 65534, supplementalGroups: [65534] })
    const text = notesOf(exported, "api")
    expect(text).toMatch(
      /not carried over: umask = "0027", nice = 5, oom_score_adjust = -100, limits.nofile = 65536\. A Pod has no umask, nice, OOM score or rlimit fields/,
    )
  })

  it("runs its own image, or the host's binary in a base image chosen per binary, mounted by hostPath on --node", async () => {
    const exported = await everyRow()
    const api = objectOf(exported, "api", "Deployment").spec?.template.spec
    expect(api?.containers[0]?.image).toBe("ghcr.io/example/api:1.4")
    expect(api?.volumes).toBeUndefined()
    const db = objectOf(exported, "db", "Deployment").spec?.template.spec
    expect(db?.containers[0]?.image).toBe(staticBaseImage)
    expect(db?.containers[0]?.command).toEqual(["/host/opt/db/bin/db"])
    expect(db?.volumes).toEqual([{ name: "host-0", hostPath: { path: "/opt/db/bin", type: "Directory" } }])
    expect(db?.containers[0]?.volumeMounts).toEqual([
      { name: "host-0", mountPath: "/host/opt/db/bin", readOnly: true },
    ])
    expect(db?.nodeSelector).toEqual({ "kubernetes.io/hostname": "pi1" })
    const worker = objectOf(exported, "worker", "Job").spec?.template.spec
    expect(worker?.containers[0]?.image).toBe(baseImage)
    const text = notesOf(exported, "db")
    expect(text).toContain("mounted read-only from the node by hostPath")
    const helper = notesOf(exported, "cache_helper")
    expect(helper).toMatch(/script for python3, which Debian slim does not have/)
  })

  it("tells a static binary from a dynamic one and a script by reading the file", () => {
    expect(programAt(process.execPath)).toMatchObject({ _tag: "Elf", static: false })
    expect(programAt(join(ROOT, "test/fixtures/sleeper.sh"))).toMatchObject({ _tag: "Script" })
    expect(programAt("/nonexistent/program")).toMatch(/cannot be read/)
  })

  it("makes health a livenessProbe, ready a readinessProbe, start_timeout a startupProbe", async () => {
    const exported = await everyRow()
    const api = objectOf(exported, "api", "Deployment").spec?.template.spec?.containers[0]
    expect(api?.livenessProbe).toEqual({
      httpGet: { path: "/healthz?deep=1", port: 8080, scheme: "HTTP" },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      initialDelaySeconds: 5,
    })
    expect(api?.readinessProbe?.httpGet).toEqual({ path: "/ready", port: 8080, scheme: "HTTP" })
    expect(api?.startupProbe).toMatchObject({ periodSeconds: 1, failureThreshold: 30 })
    const db = objectOf(exported, "db", "Deployment").spec?.template.spec?.containers[0]
    expect(db?.livenessProbe?.tcpSocket).toEqual({ port: 5432 })
    expect(db?.readinessProbe?.tcpSocket).toEqual({ port: 5432 })
    const worker = objectOf(exported, "worker", "Job").spec?.template.spec?.containers[0]
    expect(worker?.livenessProbe?.exec).toEqual({ command: ["/host/usr/local/bin/worker-check", "--quick"] })
    expect(worker?.livenessProbe?.periodSeconds).toBe(2) // 1500ms rounded up, said
    expect(worker?.readinessProbe).toBeUndefined()
    const text = notesOf(exported, "worker")
    expect(text).toMatch(/ready \(a line of output matching \/started\/\) does not carry over/)
  })

  it("makes ports containerPorts and a ClusterIP Service; --host-ports adds hostPort", async () => {
    const exported = await everyRow()
    const service = objectOf(exported, "api", "Service")
    expect(service.spec?.type).toBe("ClusterIP")
    expect(service.spec?.ports).toEqual([{ name: "tcp-8080", port: 8080, targetPort: 8080, protocol: "TCP" }])
    expect(objectOf(exported, "api", "Deployment").spec?.template.spec?.containers[0]?.ports).toEqual([
      { containerPort: 8080, protocol: "TCP" },
    ])
    const worker = objectOf(exported, "worker", "Job").spec?.template.spec?.containers[0]
    expect(worker?.env).toEqual([{ name: "PORT", value: "8080" }]) // port = "auto" in its own network
    // port = N: $PORT is N, and N is a port as if in `ports`.
    const notifier = objectOf(exported, "notifier", "Deployment").spec?.template.spec?.containers[0]
    expect(notifier?.env).toEqual([{ name: "PORT", value: "9090" }])
    expect(notifier?.ports).toEqual([{ containerPort: 9090, protocol: "TCP" }])
    expect(objectOf(exported, "notifier", "Service").spec?.ports).toEqual([
      { name: "tcp-9090", port: 9090, targetPort: 9090, protocol: "TCP" },
    ])
    const file = writeConfig('[services.web]\ncommand = "/opt/web"\nrestart = "always"\nports = [8081]\n')
    const withHost = await exportedOf(
      file,
      { programs: { "/opt/web": elf("/opt/web", true) } },
      { hostPorts: true },
    )
    for (const m of withHost.flatMap((e) => e.manifests)) validate(m.object)
    expect(objectOf(withHost, "web", "Deployment").spec?.template.spec?.containers[0]?.ports).toEqual([
      { containerPort: 8081, protocol: "TCP", hostPort: 8081 },
    ])
  })

  it("makes depends_on an init container that waits for the dependency's Service", async () => {
    const exported = await everyRow()
    const init = objectOf(exported, "api", "Deployment").spec?.template.spec?.initContainers
    expect(init).toEqual([
      {
        name: "wait-for-db",
        image: "busybox:1.36",
        command: ["sh", "-c", 'until nc -z -w 2 db 5432; do echo "waiting for db:5432"; sleep 2; done'],
      },
    ])
    expect(notesOf(exported, "api")).toContain(
      "depends_on: Kubernetes has no start order; each init container waits until the dependency's Service accepts connections",
    )
    const sync = notesOf(exported, "sync")
    expect(sync).toMatch(/depends_on "migrate" does not carry over: it has no port/)
  })

  it("makes memory_max the memory limit and request, stop_signal a preStop, stop_timeout the grace period", async () => {
    const api = objectOf(await everyRow(), "api", "Deployment").spec?.template.spec
    expect(api?.containers[0]?.resources).toEqual({
      limits: { memory: "256Mi" },
      requests: { memory: "256Mi" },
    })
    expect(api?.containers[0]?.lifecycle?.preStop?.exec?.command).toEqual(["/bin/sh", "-c", "kill -INT 1"])
    expect(api?.terminationGracePeriodSeconds).toBe(20)
  })

  it("makes a group of each strategy a label, an annotation and a note of what Kubernetes does not do", async () => {
    const exported = await everyRow()
    const cache = objectOf(exported, "cache.v2", "Deployment")
    expect(cache.metadata?.name).toBe("cache-v2")
    expect(cache.metadata?.labels?.["dockless/group"]).toBe("cache")
    expect(cache.metadata?.annotations).toEqual({
      "dockless/service": "cache.v2",
      "dockless/strategy": "one_for_all",
    })
    const text = notesOf(exported, "cache.v2")
    expect(text).toContain(
      "when one member crashes, Dockless restarts all of them (cache.v2, cache_helper); Kubernetes restarts only the one that crashed",
    )
    for (const name of ["db", "api"]) {
      const member = objectOf(exported, name, "Deployment")
      expect(member.metadata?.labels?.["dockless/group"]).toBe("store")
      expect(member.metadata?.annotations?.["dockless/strategy"]).toBe("rest_for_one")
      const notes = notesOf(exported, name)
      expect(notes).toContain(
        "when one member crashes, Dockless restarts it and those after it (db, api, in that order); Kubernetes restarts only the one that crashed",
      )
      expect(notes).toContain("the group's intensity and backoff do not carry over")
    }
    expect(objectOf(exported, "notifier", "Deployment").metadata?.annotations?.["dockless/strategy"]).toBe(
      "one_for_one",
    )
    expect(notesOf(exported, "notifier")).toContain("each member restarts by itself, as in Kubernetes")
    expect(kubeNameOf("Cache_Helper")).toBe("cache-helper")
    expect(kubeNameOf("9lives")).toBe("s-9lives")
  })
})

describe("dockless export kubernetes: the keys with no place in a Pod", () => {
  it('says that backoff, log, ready = "notify" and watchdog do not carry over, and writes nothing for them', async () => {
    const exported = await everyRow()
    expect(notesOf(exported, "worker")).toContain(
      "backoff does not carry over: Kubernetes restarts a crashed container after its own back-off (10s, doubling to 5 minutes, reset after 10 minutes running)",
    )
    const notifier = notesOf(exported, "notifier")
    expect(notifier).toContain(
      "log does not carry over: the kubelet keeps the container's output (kubectl logs) and rotates it by its own settings",
    )
    expect(notifier).toContain("ready (READY=1 on its $NOTIFY_SOCKET) does not carry over")
    expect(notifier).toContain("watchdog does not carry over (no notify socket in a Pod)")
    const container = objectOf(exported, "notifier", "Deployment").spec?.template.spec?.containers[0]
    expect(container?.readinessProbe).toBeUndefined()
    expect(container?.startupProbe).toBeUndefined()
    expect(container?.livenessProbe).toBeUndefined()
    // The services with the default backoff and log get no such note.
    expect(notesOf(exported, "api")).not.toContain("backoff does not carry over")
    expect(notesOf(exported, "api")).not.toContain("log does not carry over")
  })
})

describe("dockless export kubernetes: what it cannot export", () => {
  it("refuses, all at once and each with a sentence: a schedule with no cron form, names that meet, an auto port with --host-ports", async () => {
    const file = writeConfig(
      [
        '[services.tick]\ncommand = "/opt/t"\ntype = "oneshot"\nschedule = "every 7m"',
        '[services.a_b]\ncommand = "/opt/t"',
        '[services."a.b"]\ncommand = "/opt/t"',
        '[services.web]\ncommand = "/opt/t"\nport = "auto"',
      ].join("\n\n"),
    )
    const result = await exportOf(file, { programs: { "/opt/t": elf("/opt/t", true) } }, { hostPorts: true })
    expect(Either.isLeft(result) && result.left).toEqual([
      expect.stringMatching(/^services\.a_b: its Kubernetes name "a-b" is also a\.b's/),
      expect.stringMatching(/^services\.tick\.schedule: "every 7m" has no cron expression/),
      expect.stringMatching(
        /^services\.web\.port: "auto" has no fixed port to bind on the node with --host-ports/,
      ),
    ])
  })
})

describe("dockless export kubernetes: what only a comment can say", () => {
  it('says that ready = "notify", watchdog and a stop_signal in distroless static do not carry over', () => {
    const decoded = decodeServiceSpec(
      { command: "/opt/n", restart: "always", ready: "notify", watchdog: "30s", stop_signal: "SIGINT" },
      { name: "n", baseDir: "/", defaults: {}, log: defaultLog, pathPrefix: "" },
    )
    if (Either.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left))
    const spec = decoded.right
    const facts = madeUpFacts(spec, { programs: { "/opt/n": elf("/opt/n", true) } }, false)
    const exported = exportServices([spec], [], new Map([["n", facts]]), {
      namespace: undefined,
      node: "pi1",
      nodeGiven: false,
      hostPorts: false,
      includeSecrets: false,
    })
    if (Either.isLeft(exported)) throw new Error(exported.left.join("\n"))
    const objects = exported.right.flatMap((e) => e.manifests.map((m) => m.object))
    expect(objects.map((o) => o.kind)).toEqual(["Deployment"])
    for (const object of objects) validate(object)
    const container = objectOf(exported.right, "n", "Deployment").spec?.template.spec?.containers[0]
    expect(container?.readinessProbe).toBeUndefined()
    expect(container?.lifecycle).toBeUndefined()
    const text = notesOf(exported.right, "n")
    expect(text).toContain("ready (READY=1 on its $NOTIFY_SOCKET) does not carry over")
    expect(text).toContain("watchdog does not carry over")
    expect(text).toContain(
      'stop_signal = "SIGINT" does not carry over: gcr.io/distroless/static-debian12 has no shell',
    )
  })
})
