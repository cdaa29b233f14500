// Services as Kubernetes objects, one row of docs/kubernetes.md at a time: restart = "always" is
// a Deployment (1 replica, Recreate: host ports and files are single-instance); on-failure and
// never are a Job; a scheduled oneshot is a CronJob; env_file is a ConfigMap; secret_env is a
// Secret (placeholders unless --include-secrets); ports are a ClusterIP Service; a group is a
// label, an annotation and a note. Pure: what it cannot export comes back as sentences, all at once.
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob"
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment"
import type { IJob } from "kubernetes-models/batch/v1/Job"
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec"
import type { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta"
import { Either } from "effect"
import type { GroupSpec } from "../config/GroupSpec.ts"
import type { Overlap } from "../config/JobSpec.ts"
import { defaultBackoff, defaultIntensity, defaultLog, type ServiceSpec } from "../config/ServiceSpec.ts"
import { cronOf } from "./CronSchedule.ts"
import type { HostFacts } from "./HostFacts.ts"
import { isDataKey, kubeNameOf, note, type Manifest, type Note, type ServiceExport } from "./Manifest.ts"
import { podOf, type PodContext } from "./PodSpec.ts"

export interface ExportOptions {
  readonly namespace: string | undefined
  /** The node that has the host's binaries (--node, else this host's name). */
  readonly node: string
  readonly nodeGiven: boolean
  readonly hostPorts: boolean
  readonly includeSecrets: boolean
}

export const SECRET_PLACEHOLDER = "REPLACE-ME"
/** $PORT in a Pod for `port = "auto"`: the Pod's network is its own. */
export const AUTO_POD_PORT = 8080

const concurrencyOf: Record<Overlap, { readonly policy: "Forbid" | "Replace"; readonly note?: string }> = {
  skip: { policy: "Forbid" },
  queue: {
    policy: "Forbid",
    note:
      'overlap = "queue" has no CronJob equivalent (Allow would run two at once): Forbid skips the ' +
      "firing instead of queueing it",
  },
  kill: { policy: "Replace" },
}

const sameAs = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b)

const strategyNote = (group: GroupSpec, name: string): string => {
  const others = group.children.filter((c) => c !== name)
  const lost =
    group.strategy === "one_for_all"
      ? `when one member crashes, Dockless restarts all of them (${group.children.join(", ")}); Kubernetes restarts only the one that crashed`
      : group.strategy === "rest_for_one"
        ? `when one member crashes, Dockless restarts it and those after it (${group.children.join(", ")}, in that order); Kubernetes restarts only the one that crashed`
        : "each member restarts by itself, as in Kubernetes"
  return (
    `[supervisors.${group.name}] (strategy = "${group.strategy}", with ${others.length === 0 ? "no other member" : others.join(", ")}): ` +
    `Kubernetes has no supervision groups, so it is only a label and an annotation here; ${lost}; ` +
    `the group's intensity and backoff do not carry over`
  )
}

/** The notes on the keys that have no place in a Pod at all. */
const serviceNotes = (spec: ServiceSpec): Array<string> => {
  const notes: Array<string> = []
  if (!sameAs(spec.backoff, defaultBackoff))
    notes.push(
      "backoff does not carry over: Kubernetes restarts a crashed container after its own back-off " +
        "(10s, doubling to 5 minutes, reset after 10 minutes running)",
    )
  if (
    !sameAs(
      { enabled: spec.log.enabled, keep: spec.log.keep },
      { enabled: defaultLog.enabled, keep: defaultLog.keep },
    ) ||
    spec.log.max_bytes !== defaultLog.max_bytes
  )
    notes.push(
      "log does not carry over: the kubelet keeps the container's output (kubectl logs) and rotates it by its own settings",
    )
  return notes
}

interface Built {
  readonly manifests: ReadonlyArray<Manifest>
  readonly holdsSecrets: boolean
}

const buildService = (
  spec: ServiceSpec,
  facts: HostFacts,
  kubeName: string,
  group: GroupSpec | undefined,
  peers: PodContext["peers"],
  options: ExportOptions,
  problems: Array<string>,
): Built => {
  const at = `services.${spec.name}`
  const labels: Record<string, string> = {
    "app.kubernetes.io/managed-by": "dockless",
    "app.kubernetes.io/name": kubeName,
    ...(group === undefined ? {} : { "dockless/group": group.name }),
  }
  const annotations: Record<string, string> = {
    "dockless/service": spec.name,
    ...(group === undefined ? {} : { "dockless/strategy": group.strategy }),
  }
  const meta = (name: string): IObjectMeta => ({
    name,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    labels,
    annotations,
  })
  const manifests: Array<Manifest> = []

  // env_file → ConfigMap (its secret keys go to the Secret instead).
  const secretKeys = new Set(spec.secret_env)
  const fileData = Object.fromEntries(Object.entries(facts.envFile).filter(([k]) => !secretKeys.has(k)))
  for (const key of [...Object.keys(fileData), ...spec.secret_env].filter((k) => !isDataKey(k)))
    problems.push(
      `${at}: the variable name "${key}" cannot be a ConfigMap or Secret key (only letters, digits, "-", "_" and ".")`,
    )
  const configMap = Object.keys(fileData).length === 0 ? undefined : `${kubeName}-env`
  if (configMap !== undefined)
    manifests.push({
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: meta(configMap), data: fileData },
      notes: [
        note(
          `env_file ${spec.env_file ?? ""} of ${spec.name}, as it read at the export. If it holds ` +
            `secrets, list them in secret_env so they go to the Secret instead`,
        ),
      ],
    })

  // secret_env → Secret.
  const present = spec.secret_env.filter((k) => k in spec.env || k in facts.envFile)
  const secret = present.length === 0 ? undefined : `${kubeName}-secret`
  const holdsSecrets = secret !== undefined && facts.secretValues !== undefined
  if (secret !== undefined) {
    const values = Object.fromEntries(
      present.map((k) => [k, facts.secretValues?.[k] ?? SECRET_PLACEHOLDER] as const),
    )
    manifests.push({
      object: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: meta(secret),
        type: "Opaque",
        stringData: values,
      },
      notes: [
        note(
          holdsSecrets
            ? `secret_env of ${spec.name} with their real values (--include-secrets): keep this file private`
            : `secret_env of ${spec.name}: the values are not written (${SECRET_PLACEHOLDER}); put them in ` +
                `before applying, or create it with kubectl create secret generic ${secret} ` +
                present.map((k) => `--from-literal=${k}=…`).join(" ") +
                ` (or export again with --include-secrets)`,
        ),
      ],
    })
  }

  // port = N / "auto" → $PORT.
  const podPort = spec.port === undefined ? undefined : spec.port === "auto" ? AUTO_POD_PORT : spec.port
  if (spec.port === "auto" && options.hostPorts)
    problems.push(
      `${at}.port: "auto" has no fixed port to bind on the node with --host-ports; set port = N, or export without --host-ports`,
    )

  const workloadNotes: Array<Note> = []
  const kind: "Deployment" | "Job" | "CronJob" =
    spec.schedule !== undefined
      ? "CronJob"
      : spec.restart === "always" && spec.type === "service"
        ? "Deployment"
        : "Job"
  const podAt =
    kind === "CronJob" ? ["spec", "jobTemplate", "spec", "template", "spec"] : ["spec", "template", "spec"]
  const planned = podOf(spec, facts, {
    kubeName,
    peers,
    node: options.node,
    nodeGiven: options.nodeGiven,
    hostPorts: options.hostPorts,
    podPort,
    configMap,
    secret,
    at: podAt,
  })
  workloadNotes.push(...planned.notes)
  if (group !== undefined) workloadNotes.push(note(strategyNote(group, spec.name)))
  for (const text of serviceNotes(spec)) workloadNotes.push(note(text))

  const restartPolicy = spec.restart === "never" ? "Never" : "OnFailure"
  const backoffLimit = spec.restart === "never" ? 0 : spec.intensity.max_restarts
  const template = (): IPodTemplateSpec => ({
    metadata: { labels, annotations },
    spec: kind === "Deployment" ? planned.pod : { ...planned.pod, restartPolicy },
  })
  if (kind !== "Deployment")
    workloadNotes.push(
      note(
        `restart = "${spec.restart}"${spec.type === "oneshot" ? " on a oneshot (exit 0 ends it)" : ""}: ` +
          (spec.restart === "never"
            ? "never run again, so restartPolicy Never and backoffLimit 0"
            : `restartPolicy OnFailure; backoffLimit is intensity.max_restarts (${spec.intensity.max_restarts}), ` +
              `counted over the whole Job, not within intensity.period`) +
          (spec.type === "service"
            ? "; a Job ends when the program exits 0, as Dockless leaves it stopped"
            : ""),
        "spec",
        ...(kind === "CronJob" ? ["jobTemplate", "spec"] : []),
        "backoffLimit",
      ),
    )

  if (kind === "Deployment") {
    workloadNotes.push(
      note(
        `restart = "always": one replica, replaced with Recreate (never two at once: host ports and files are single-instance)` +
          (spec.autostart ? "" : "; autostart = false: 0 replicas, scale it to 1 to start it") +
          (sameAs(spec.intensity, defaultIntensity)
            ? ""
            : "; intensity does not carry over: Kubernetes keeps restarting with its back-off, it never gives up"),
        "spec",
        "replicas",
      ),
    )
    const object: IDeployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(kubeName),
      spec: {
        replicas: spec.autostart ? 1 : 0,
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": kubeName } },
        template: template(),
      },
    }
    manifests.push({ object, notes: workloadNotes })
  } else if (kind === "Job") {
    if (!spec.autostart)
      workloadNotes.push(note("autostart = false: suspended; unsuspend it to run it", "spec", "suspend"))
    const object: IJob = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta(kubeName),
      spec: { backoffLimit, ...(spec.autostart ? {} : { suspend: true }), template: template() },
    }
    manifests.push({ object, notes: workloadNotes })
  } else {
    const cron = cronOf(spec.schedule ?? "")
    if (cron._tag === "Refused") problems.push(`${at}.schedule: ${cron.reason}`)
    const concurrency = concurrencyOf[spec.overlap]
    workloadNotes.push(
      note(
        (cron._tag === "Cron" && cron.converted
          ? `schedule "${spec.schedule ?? ""}" as cron; a CronJob fires on the clock, not counted from a start. `
          : "") +
          "Dockless reads cron in the host's timezone; a CronJob in the cluster's (set spec.timeZone if they differ)",
        "spec",
        "schedule",
      ),
      note(
        `overlap = "${spec.overlap}" → ${concurrency.policy}` +
          (concurrency.note === undefined ? "" : `: ${concurrency.note}`),
        "spec",
        "concurrencyPolicy",
      ),
    )
    if (!spec.catch_up)
      workloadNotes.push(
        note(
          "catch_up = false: a firing missed by more than a minute is not run (without a deadline Kubernetes runs the latest one missed, as catch_up = true does)",
          "spec",
          "startingDeadlineSeconds",
        ),
      )
    if (!spec.autostart)
      workloadNotes.push(note("autostart = false: the schedule is suspended", "spec", "suspend"))
    const object: ICronJob = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: meta(kubeName),
      spec: {
        schedule: cron._tag === "Cron" ? cron.expression : "",
        concurrencyPolicy: concurrency.policy,
        ...(spec.catch_up ? {} : { startingDeadlineSeconds: 60 }),
        ...(spec.autostart ? {} : { suspend: true }),
        jobTemplate: { spec: { backoffLimit, template: template() } },
      },
    }
    manifests.push({ object, notes: workloadNotes })
  }

  // ports → a ClusterIP Service.
  const ports = [...spec.ports, ...(podPort === undefined || spec.ports.includes(podPort) ? [] : [podPort])]
  if (ports.length > 0)
    manifests.push({
      object: {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(kubeName),
        spec: {
          type: "ClusterIP",
          selector: { "app.kubernetes.io/name": kubeName },
          ports: ports.map((port) => ({ name: `tcp-${port}`, port, targetPort: port, protocol: "TCP" })),
        },
      },
      notes: [note(`${spec.name}'s ports, reachable in the cluster as ${kubeName}:PORT`)],
    })
  return { manifests, holdsSecrets }
}

/**
 * Every service's objects, by name, or every reason some cannot be exported. `facts` has an
 * entry for each service (HostFacts.ts).
 */
export const exportServices = (
  services: ReadonlyArray<ServiceSpec>,
  groups: ReadonlyArray<GroupSpec>,
  facts: ReadonlyMap<string, HostFacts>,
  options: ExportOptions,
): Either.Either<ReadonlyArray<ServiceExport>, ReadonlyArray<string>> => {
  const problems: Array<string> = []
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const byKubeName = new Map<string, string>()
  for (const s of sorted) {
    const kubeName = kubeNameOf(s.name)
    const taken = byKubeName.get(kubeName)
    if (taken !== undefined)
      problems.push(
        `services.${s.name}: its Kubernetes name "${kubeName}" is also ${taken}'s (names are lower case, "_" and "." become "-"); rename one`,
      )
    else byKubeName.set(kubeName, s.name)
  }
  const peers = new Map(
    sorted.map((s) => {
      const port =
        s.ports[0] ?? (s.port === undefined ? undefined : s.port === "auto" ? AUTO_POD_PORT : s.port)
      return [s.name, { kubeName: kubeNameOf(s.name), port }] as const
    }),
  )
  const exports = sorted.map((spec): ServiceExport => {
    const own = facts.get(spec.name)
    if (own === undefined) throw new Error(`no host facts for ${spec.name}`)
    problems.push(...own.problems)
    const kubeName = kubeNameOf(spec.name)
    const group = groups.find((g) => g.children.includes(spec.name))
    const built = buildService(spec, own, kubeName, group, peers, options, problems)
    return { name: spec.name, kubeName, ...built }
  })
  return problems.length > 0 ? Either.left(problems) : Either.right(exports)
}
