// One service as a Pod: its container (command, args, cwd, env, ports, memory, probes, stop
// signal), how its program gets in (its own image, or the host's binary mounted into a small
// base image on the node that has it), its identity, and init containers that wait for the
// Services of what it depends on. Each thing that does not carry over is a note at its place.
// Pure: the host's facts come in (HostFacts.ts).
import type { IContainer } from "kubernetes-models/v1/Container"
import type { IEnvVar } from "kubernetes-models/v1/EnvVar"
import type { IPodSpec } from "kubernetes-models/v1/PodSpec"
import type { IProbe } from "kubernetes-models/v1/Probe"
import type { IVolume } from "kubernetes-models/v1/Volume"
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount"
import { dirname } from "node:path"
import { limitNames } from "../config/IdentitySpec.ts"
import { describeReady } from "../config/ReadySpec.ts"
import type { HealthCheck, ServiceSpec } from "../config/ServiceSpec.ts"
import type { HostFacts, Program } from "./HostFacts.ts"
import { note, secondsOf, type Note } from "./Manifest.ts"

export const staticBaseImage = "gcr.io/distroless/static-debian12"
export const baseImage = "debian:bookworm-slim"
export const waitImage = "busybox:1.36"

export interface PodContext {
  readonly kubeName: string
  /** The Kubernetes name and first port of every exported service, for depends_on. */
  readonly peers: ReadonlyMap<string, { readonly kubeName: string; readonly port: number | undefined }>
  readonly node: string
  readonly nodeGiven: boolean
  readonly hostPorts: boolean
  /** The port the Pod gives $PORT (`port = N`, or a fixed one for "auto"). */
  readonly podPort: number | undefined
  readonly configMap: string | undefined
  readonly secret: string | undefined
  /** Where the Pod spec sits in its object, for the notes. */
  readonly at: ReadonlyArray<string | number>
}

type Handler = Pick<IProbe, "httpGet" | "tcpSocket" | "exec">

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

/** A URL as an httpGet handler; the Pod's own address stands for loopback (the kubelet probes that). */
const httpGetOf = (url: string): Handler => {
  const u = new URL(url)
  const https = u.protocol === "https:"
  return {
    httpGet: {
      path: `${u.pathname}${u.search}`,
      port: Number(u.port === "" ? (https ? 443 : 80) : u.port),
      scheme: https ? "HTTPS" : "HTTP",
      ...(loopbackHosts.has(u.hostname) ? {} : { host: u.hostname }),
    },
  }
}

const healthHandler = (check: HealthCheck, hostPrograms: boolean): Handler => {
  switch (check._tag) {
    case "http":
      return httpGetOf(check.url)
    case "tcp":
      return { tcpSocket: { port: check.port } }
    case "exec":
      return {
        exec: {
          command: check.command.map((arg, i) =>
            i === 0 && hostPrograms && arg.startsWith("/") ? hostProgramPath(arg) : arg,
          ),
        },
      }
  }
}

/** The readiness handler for a `ready` condition that maps, else why not. */
const readyHandler = (ready: NonNullable<ServiceSpec["ready"]>): Handler | string => {
  switch (ready._tag) {
    case "port":
      return { tcpSocket: { port: ready.port } }
    case "http":
      return httpGetOf(ready.url)
    case "log":
    case "notify":
      return (
        `ready (${describeReady(ready)}) does not carry over: Kubernetes cannot watch a container's ` +
        `output or its notify socket; give it ready = { port = N } or { http = URL } to get a readinessProbe`
      )
  }
}

const MiB = 1024 * 1024

/** Bytes as a Kubernetes quantity: "64Mi" when whole mebibytes, else the number of bytes. */
export const quantityOf = (bytes: number): string => (bytes % MiB === 0 ? `${bytes / MiB}Mi` : String(bytes))

interface HostMount {
  readonly path: string
  readonly mountPath: string
  readonly readOnly: boolean
  readonly why: string
}

/**
 * Where a host program's directory appears in the container: under /host, so that a program in
 * /usr/bin does not hide the image's own /usr/bin.
 */
export const hostProgramPath = (path: string): string => `/host${path}`

/** The host directories the Pod needs when it runs the host's binary. */
const hostMounts = (spec: ServiceSpec, program: Program): ReadonlyArray<HostMount> => {
  const mounts = new Map<string, HostMount>()
  const add = (m: HostMount) => mounts.set(m.mountPath, mounts.get(m.mountPath) ?? m)
  const programDir = dirname(program.path)
  add({
    path: programDir,
    mountPath: hostProgramPath(programDir),
    readOnly: true,
    why: "the program's directory",
  })
  const exec = spec.health?.check._tag === "exec" ? spec.health.check.command[0] : undefined
  if (exec?.startsWith("/") === true)
    add({
      path: dirname(exec),
      mountPath: hostProgramPath(dirname(exec)),
      readOnly: true,
      why: "the health check program's directory",
    })
  if (spec.cwd !== undefined)
    add({ path: spec.cwd, mountPath: spec.cwd, readOnly: false, why: "the working directory (cwd)" })
  return [...mounts.values()].sort((a, b) => a.mountPath.localeCompare(b.mountPath))
}

const imageOf = (program: Program): { readonly image: string; readonly why: string } => {
  if (program._tag === "Elf" && program.static)
    return { image: staticBaseImage, why: `${program.path} is a static binary: distroless static is enough` }
  if (program._tag === "Elf")
    return {
      image: baseImage,
      why:
        `${program.path} is dynamically linked: it runs on Debian slim's libraries, not the host's; ` +
        `if it needs more than libc, build an image and set [services.NAME.kubernetes] image`,
    }
  if (program._tag === "Script")
    return {
      image: baseImage,
      why:
        `${program.path} is a script for ${program.interpreter}, which Debian slim ` +
        (/^(\/bin\/|\/usr\/bin\/)?(sh|bash|dash)$/.test(program.interpreter)
          ? "has"
          : "does not have: build an image with it and set [services.NAME.kubernetes] image"),
    }
  return {
    image: baseImage,
    why: `${program.path} is not an ELF binary nor a script; Debian slim is a guess`,
  }
}

/** What the service's host identity becomes, and what of it does not. */
const identityNotes = (spec: ServiceSpec, at: ReadonlyArray<string | number>): Array<Note> => {
  const lost = [
    spec.umask === undefined ? "" : `umask = "${spec.umask}"`,
    spec.nice === undefined ? "" : `nice = ${spec.nice}`,
    spec.oom_score_adjust === undefined ? "" : `oom_score_adjust = ${spec.oom_score_adjust}`,
    ...limitNames.flatMap((name) => {
      const value = spec.limits[name]
      return value === undefined ? [] : [`limits.${name} = ${JSON.stringify(value)}`]
    }),
  ].filter((s) => s !== "")
  return lost.length === 0
    ? []
    : [
        note(
          `not carried over: ${lost.join(", ")}. A Pod has no umask, nice, OOM score or rlimit fields: ` +
            `the container runtime's defaults apply (set them in the image's entrypoint if they matter)`,
          ...at,
          "containers",
        ),
      ]
}

const waitContainers = (spec: ServiceSpec, ctx: PodContext, notes: Array<Note>): Array<IContainer> => {
  const containers: Array<IContainer> = []
  const silent: Array<string> = []
  for (const dep of spec.depends_on) {
    const peer = ctx.peers.get(dep)
    if (peer?.port === undefined) {
      silent.push(dep)
      continue
    }
    const target = `${peer.kubeName} ${peer.port}`
    containers.push({
      name: `wait-for-${peer.kubeName}`.slice(0, 63).replace(/-+$/, ""),
      image: waitImage,
      command: [
        "sh",
        "-c",
        `until nc -z -w 2 ${target}; do echo "waiting for ${peer.kubeName}:${peer.port}"; sleep 2; done`,
      ],
    })
  }
  if (containers.length > 0)
    notes.push(
      note(
        `depends_on: Kubernetes has no start order; each init container waits until the ` +
          `dependency's Service accepts connections (it has ready Pods) before ${spec.name} starts. ` +
          `Unlike Dockless, a dependency that fails later does not stop or restart this one`,
        ...ctx.at,
        "initContainers",
      ),
    )
  if (silent.length > 0)
    notes.push(
      note(
        `depends_on ${silent.map((d) => `"${d}"`).join(", ")} does not carry over: it has no port, so no ` +
          `Service to wait for (and a oneshot's success cannot be waited on from a Pod); Kubernetes starts ` +
          `${spec.name} without waiting`,
        ...ctx.at,
        "containers",
      ),
    )
  return containers
}

const probeNotes = (spec: ServiceSpec, at: ReadonlyArray<string | number>, notes: Array<Note>) => {
  const lost: Array<string> = []
  if (spec.watchdog !== undefined)
    lost.push(
      "watchdog does not carry over (no notify socket in a Pod): use a health check, which becomes a livenessProbe",
    )
  if (spec.ready !== undefined) {
    const handler = readyHandler(spec.ready)
    if (typeof handler === "string") lost.push(handler)
  }
  for (const text of lost) notes.push(note(text, ...at, "containers"))
}

export interface PodPlan {
  readonly pod: IPodSpec
  readonly notes: ReadonlyArray<Note>
}

export const podOf = (spec: ServiceSpec, facts: HostFacts, ctx: PodContext): PodPlan => {
  const notes: Array<Note> = []
  const at = ctx.at
  const c = [...at, "containers", 0]
  const own = spec.kubernetes?.image
  const program = own === undefined ? facts.program : undefined
  const chosen = program === undefined ? undefined : imageOf(program)
  const mounts = program === undefined ? [] : hostMounts(spec, program)

  // env: its own, less what the env_file sets (the file wins in Dockless, `env` in Kubernetes),
  // secrets from the Secret, the rest of the file from the ConfigMap, $PORT.
  const secret = new Set(spec.secret_env)
  const fromFile = new Set(Object.keys(facts.envFile))
  const env: Array<IEnvVar> = []
  const names = new Set([...Object.keys(spec.env), ...spec.secret_env.filter((k) => fromFile.has(k))])
  for (const name of [...names].sort()) {
    if (secret.has(name)) {
      if (ctx.secret !== undefined && (name in spec.env || fromFile.has(name)))
        env.push({ name, valueFrom: { secretKeyRef: { name: ctx.secret, key: name } } })
    } else if (!fromFile.has(name)) env.push({ name, value: spec.env[name] ?? "" })
  }
  if (ctx.podPort !== undefined) env.push({ name: "PORT", value: String(ctx.podPort) })

  const ports = [
    ...spec.ports,
    ...(ctx.podPort === undefined || spec.ports.includes(ctx.podPort) ? [] : [ctx.podPort]),
  ]
  const health = spec.health
  const ready = spec.ready === undefined ? undefined : readyHandler(spec.ready)
  const readyProbe = typeof ready === "string" || ready === undefined ? undefined : ready
  const container: IContainer = {
    name: ctx.kubeName,
    image: own ?? chosen?.image ?? baseImage,
    command: [program === undefined ? spec.command : hostProgramPath(program.path)],
    ...(spec.args.length === 0 ? {} : { args: [...spec.args] }),
    ...(spec.cwd === undefined ? {} : { workingDir: spec.cwd }),
    ...(env.length === 0 ? {} : { env }),
    ...(ctx.configMap === undefined ? {} : { envFrom: [{ configMapRef: { name: ctx.configMap } }] }),
    ...(ports.length === 0
      ? {}
      : {
          ports: ports.map((port) => ({
            containerPort: port,
            protocol: "TCP",
            ...(ctx.hostPorts ? { hostPort: port } : {}),
          })),
        }),
    ...(spec.memory_max === undefined
      ? {}
      : {
          resources: {
            limits: { memory: quantityOf(spec.memory_max) },
            requests: { memory: quantityOf(spec.memory_max) },
          },
        }),
    ...(health === undefined
      ? {}
      : {
          livenessProbe: {
            ...healthHandler(health.check, program !== undefined),
            periodSeconds: secondsOf(health.interval),
            timeoutSeconds: secondsOf(health.timeout),
            failureThreshold: health.retries,
            ...(health.start_period === 0 ? {} : { initialDelaySeconds: secondsOf(health.start_period) }),
          },
        }),
    ...(readyProbe === undefined
      ? {}
      : {
          readinessProbe: { ...readyProbe, periodSeconds: 5, failureThreshold: 1 },
          startupProbe: { ...readyProbe, periodSeconds: 1, failureThreshold: secondsOf(spec.start_timeout) },
        }),
    ...(spec.stop_signal === "SIGTERM" || chosen?.image === staticBaseImage
      ? {}
      : {
          lifecycle: {
            preStop: {
              exec: { command: ["/bin/sh", "-c", `kill -${spec.stop_signal.replace(/^SIG/, "")} 1`] },
            },
          },
        }),
    ...(mounts.length === 0
      ? {}
      : {
          volumeMounts: mounts.map((m, i): IVolumeMount => ({
            name: `host-${i}`,
            mountPath: m.mountPath,
            readOnly: m.readOnly,
          })),
        }),
  }

  if (own !== undefined)
    notes.push(
      note(
        `image from [services.${spec.name}.kubernetes]; the command is run by its path in the image: ${container.command?.[0] ?? ""}`,
        ...c,
        "image",
      ),
    )
  else if (chosen !== undefined)
    notes.push(
      note(
        `no image in [services.${spec.name}.kubernetes], so the host's program runs in ${chosen.image} ` +
          `(${chosen.why}); its directory is mounted read-only from the node by hostPath under /host, so ` +
          `the Pod is pinned to the node that has it (${ctx.node})`,
        ...c,
        "image",
      ),
    )
  if (ctx.configMap !== undefined)
    notes.push(
      note(
        `env_file ${spec.env_file ?? ""}: its variables as they read now, in the ConfigMap ${ctx.configMap}` +
          (Object.keys(spec.env).some((k) => fromFile.has(k))
            ? "; keys of env that the file also sets are left out here, since the file wins in Dockless"
            : ""),
        ...c,
        "envFrom",
      ),
    )
  if (ctx.podPort !== undefined && spec.port === "auto")
    notes.push(
      note(
        `port = "auto": a Pod has its own network, so a fixed $PORT (${ctx.podPort}) cannot collide with another service's`,
        ...c,
        "env",
      ),
    )
  if (ports.length > 0)
    notes.push(
      note(
        `the Service and the probes reach the Pod's own address, not 127.0.0.1: the program must listen on 0.0.0.0` +
          (ctx.hostPorts ? "; hostPort binds the node's ports, as Dockless does (--host-ports)" : ""),
        ...c,
        "ports",
      ),
    )
  if (spec.memory_max !== undefined)
    notes.push(
      note(
        "memory_max is the limit, and the request too, so the scheduler keeps that much free for it; " +
          "past the limit the kernel OOM-kills the container at once, where Dockless stopped the service after two samples above it",
        ...c,
        "resources",
      ),
    )
  if (
    health !== undefined &&
    [health.interval, health.timeout, health.start_period].some((ms) => ms % 1000 !== 0)
  )
    notes.push(
      note("health timings rounded up to whole seconds, as Kubernetes counts them", ...c, "livenessProbe"),
    )
  if (readyProbe !== undefined)
    notes.push(
      note(
        `ready (${spec.ready === undefined ? "" : describeReady(spec.ready)}): the startupProbe gives it start_timeout ` +
          `(${secondsOf(spec.start_timeout)}s) to get there, the readinessProbe keeps the Service's traffic off it until then`,
        ...c,
        "readinessProbe",
      ),
    )
  if (spec.stop_signal !== "SIGTERM")
    notes.push(
      container.lifecycle === undefined
        ? note(
            `stop_signal = "${spec.stop_signal}" does not carry over: ${staticBaseImage} has no shell to send it; ` +
              `Kubernetes sends SIGTERM`,
            ...c,
            "name",
          )
        : note(
            `stop_signal = "${spec.stop_signal}": the preStop sends it to the program (PID 1) with the image's ` +
              `/bin/sh; Kubernetes sends SIGTERM after the hook, and SIGKILL at terminationGracePeriodSeconds`,
            ...c,
            "lifecycle",
          ),
    )
  probeNotes(spec, c, notes)
  notes.push(...identityNotes(spec, at))

  const initContainers = waitContainers(spec, ctx, notes)
  const pinned = program !== undefined || ctx.nodeGiven
  const volumes = mounts.map((m, i): IVolume => ({
    name: `host-${i}`,
    hostPath: { path: m.path, type: "Directory" },
  }))
  mounts.forEach((m, i) =>
    notes.push(
      note(`${m.why}, ${m.path} on the node${m.readOnly ? ", read-only" : ""}`, ...at, "volumes", i),
    ),
  )
  if (pinned)
    notes.push(
      note(
        program !== undefined
          ? `pinned to the node that has the host's files (--node ${ctx.node})`
          : `pinned to --node ${ctx.node}`,
        ...at,
        "nodeSelector",
      ),
    )
  const securityContext = {
    ...(facts.uid === undefined ? {} : { runAsUser: facts.uid }),
    ...(facts.gid === undefined ? {} : { runAsGroup: facts.gid }),
    ...(facts.supplementalGroups.length === 0 ? {} : { supplementalGroups: [...facts.supplementalGroups] }),
  }
  if (Object.keys(securityContext).length > 0)
    notes.push(
      note(
        `user, group and supplementary_groups as this host numbers them (/etc/passwd, /etc/group); ` +
          `the image's own users are not looked at`,
        ...at,
        "securityContext",
      ),
    )
  const pod: IPodSpec = {
    containers: [container],
    ...(initContainers.length === 0 ? {} : { initContainers }),
    ...(pinned ? { nodeSelector: { "kubernetes.io/hostname": ctx.node } } : {}),
    ...(Object.keys(securityContext).length === 0 ? {} : { securityContext }),
    terminationGracePeriodSeconds: secondsOf(spec.stop_timeout, 0),
    ...(volumes.length === 0 ? {} : { volumes }),
  }
  return { pod, notes }
}
