// kill -9 at random moments. Each round fires a random burst of registrations, replaces,
// deletes, starts and stops at a daemon, SIGKILLs it 0-300 ms into the burst, restarts it on the
// same data dir and checks what it remembers against what it acknowledged:
// - every 2xx is there: a registered service with the spec of its last acknowledged write, a
//   deleted one gone, the desired state of the last acknowledged answer (services.json and
//   the API agree);
// - nothing unacknowledged is half there: services.json parses, and holds only specs some
//   request sent (acknowledged or in flight at the kill), whole; no temp file outlives the
//   restart; after it each service has exactly its one process (none when stopped), none from
//   the killed daemon.
// Requests to one name go one after another (a chain), the names concurrently, so each name has
// one order of acknowledged writes and at most one request in flight at the kill, which may have
// landed or not.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import {
  Breaches,
  freePort,
  call,
  killMarked,
  launch,
  markedProcesses,
  prepare,
  report,
  sleep,
  waitFor,
  type Answer,
  type Running,
  type Soak,
} from "./support.ts"

const SCENARIO = "killnine"
const API_NAMES = Array.from({ length: 12 }, (_, i) => `n${i}`)
const CONFIG_NAMES = ["cfg0", "cfg1"]
const KILL_WITHIN_MS = 300

type Desired = "running" | "stopped"

/** What a name is, as far as one can tell from outside: its spec version (SOAK_V) and desired state. */
type Known =
  | { readonly present: false }
  | { readonly present: true; readonly v: string; readonly desired: Desired; readonly spec: string }

type Op =
  | { readonly _tag: "register"; readonly v: string; readonly autostart: boolean }
  | { readonly _tag: "replace"; readonly v: string; readonly autostart: boolean }
  | { readonly _tag: "delete" }
  | { readonly _tag: "start" }
  | { readonly _tag: "stop" }

const ABSENT: Known = { present: false }

let versions = 0
const nextVersion = () => String(++versions)

const specBody = (name: string, v: string, autostart: boolean) => ({
  name,
  command: "sleep",
  args: ["3600"],
  autostart,
  env: { SOAK_V: v },
})

const random = (n: number) => Math.floor(Math.random() * n)
const pick = <A>(xs: ReadonlyArray<A>): A => xs[random(xs.length)] as A

/** A plausible next request for a name as the chain believes it is (sometimes one it must refuse). */
const chooseOp = (name: string, known: Known): Op => {
  const fromConfig = CONFIG_NAMES.includes(name)
  const roll = Math.random()
  if (fromConfig) return roll < 0.5 ? { _tag: "start" } : { _tag: "stop" }
  if (!known.present)
    return roll < 0.9
      ? { _tag: "register", v: nextVersion(), autostart: Math.random() < 0.7 }
      : pick<Op>([{ _tag: "delete" }, { _tag: "start" }])
  if (roll < 0.25) return { _tag: "replace", v: nextVersion(), autostart: Math.random() < 0.7 }
  if (roll < 0.4) return { _tag: "delete" }
  if (roll < 0.65) return { _tag: "start" }
  if (roll < 0.9) return { _tag: "stop" }
  return { _tag: "register", v: nextVersion(), autostart: true }
}

const send = (port: number, name: string, op: Op): Promise<Answer> => {
  switch (op._tag) {
    case "register":
      return call(port, "POST", "/api/services", specBody(name, op.v, op.autostart))
    case "replace":
      return call(port, "PUT", `/api/services/${name}`, specBody(name, op.v, op.autostart))
    case "delete":
      return call(port, "DELETE", `/api/services/${name}`)
    case "start":
    case "stop":
      return call(port, "POST", `/api/services/${name}/${op._tag}`)
  }
}

const OK_STATUS: Record<Op["_tag"], number> = {
  register: 201,
  replace: 200,
  delete: 204,
  start: 202,
  stop: 202,
}

/** What an acknowledged request left, from its answer. */
const afterAck = (op: Op, answer: Answer): Known =>
  op._tag === "delete"
    ? ABSENT
    : {
        present: true,
        v: String(answer.body?.spec?.env?.SOAK_V ?? "config"),
        desired: answer.body?.desired,
        spec: JSON.stringify(answer.body?.spec),
      }

/** What a request in flight at the kill leaves if it landed (spec by version only: no answer to compare). */
const ifLanded = (known: Known, op: Op, fromConfig: boolean): Known | undefined => {
  switch (op._tag) {
    case "register":
      return known.present
        ? undefined
        : { present: true, v: op.v, desired: op.autostart ? "running" : "stopped", spec: "" }
    case "replace":
      return known.present && !fromConfig ? { ...known, v: op.v, spec: "" } : undefined
    case "delete":
      return known.present && !fromConfig ? ABSENT : undefined
    case "start":
    case "stop":
      return known.present ? { ...known, desired: op._tag === "start" ? "running" : "stopped" } : undefined
  }
}

const same = (expected: Known, actual: Known) =>
  expected.present === actual.present &&
  (!expected.present ||
    (actual.present &&
      expected.v === actual.v &&
      expected.desired === actual.desired &&
      (expected.spec === "" || expected.spec === actual.spec)))

const show = (k: Known) => (k.present ? `v${k.v} desired ${k.desired}` : "absent")

interface Chain {
  readonly name: string
  acked: Known
  inFlight: Op | undefined
  acks: number
  refused: number
  /** What this round sent to the name and what came back, for a breach's report. */
  readonly history: Array<string>
}

/** One burst of chains, killed at a random moment; each chain ends at its first network error. */
const burst = async (soak: Soak, daemon: Running, model: Map<string, Known>, breaches: Breaches) => {
  const names = [...API_NAMES, ...CONFIG_NAMES].filter(() => Math.random() < 0.75)
  const chains: Array<Chain> = names.map((name) => ({
    name,
    acked: model.get(name) ?? ABSENT,
    inFlight: undefined,
    acks: 0,
    refused: 0,
    history: [],
  }))
  const sent = new Map<string, Set<string>>()
  const run = async (chain: Chain) => {
    const length = 2 + random(10)
    for (let i = 0; i < length; i++) {
      await sleep(random(25))
      const op = chooseOp(chain.name, chain.acked)
      if (op._tag === "register" || op._tag === "replace")
        sent.set(chain.name, (sent.get(chain.name) ?? new Set()).add(op.v))
      chain.inFlight = op
      const what =
        op._tag === "register" || op._tag === "replace"
          ? `${op._tag} v${op.v} autostart ${op.autostart}`
          : op._tag
      let answer: Answer
      try {
        answer = await send(soak.port, chain.name, op)
      } catch {
        chain.history.push(`${what} → no answer`)
        return // In flight at the kill (or sent after it): it may have landed or not.
      }
      chain.inFlight = undefined
      chain.history.push(
        `${what} → ${answer.status}${answer.body?.desired ? ` desired ${answer.body.desired}` : ""}`,
      )
      if (answer.status === OK_STATUS[op._tag]) {
        chain.acked = afterAck(op, answer)
        chain.acks++
        if (op._tag === "start" || op._tag === "stop") {
          const want = op._tag === "start" ? "running" : "stopped"
          breaches.check(
            answer.body?.desired === want,
            `${chain.name}: ${op._tag} answered 202 with desired ${answer.body?.desired}`,
          )
        }
      } else if (answer.status === 404 || answer.status === 409) {
        chain.refused++
      } else {
        breaches.add(`${chain.name}: ${op._tag} answered ${answer.status} ${JSON.stringify(answer.body)}`)
        chain.refused++
      }
    }
  }
  const killAt = random(KILL_WITHIN_MS + 1)
  const started = Date.now()
  const running = Promise.all(chains.map(run))
  await sleep(killAt)
  await daemon.kill9()
  const killedAtMs = Date.now() - started
  await running
  return { chains, sent, killedAtMs }
}

/** services.json as the killed daemon left it: whole, and only specs some request sent. */
const checkServicesFile = (
  soak: Soak,
  sent: ReadonlyMap<string, ReadonlySet<string>>,
  breaches: Breaches,
) => {
  for (const [name, vs] of sent)
    for (const v of vs) sentEver.set(name, (sentEver.get(name) ?? new Set()).add(v))
  let text: string
  try {
    text = readFileSync(join(soak.dataDir, "services.json"), "utf8")
  } catch {
    return // Not written yet: nothing was ever registered.
  }
  let parsed: any
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    breaches.add(`services.json does not parse after the kill: ${String(error)}`)
    return
  }
  const seen = new Set<string>()
  for (const entry of parsed?.services ?? []) {
    const name = String(entry?.name)
    const v = String(entry?.env?.SOAK_V)
    breaches.check(!seen.has(name), `services.json holds ${name} twice`)
    seen.add(name)
    breaches.check(
      API_NAMES.includes(name) && (sentEver.get(name)?.has(v) ?? false),
      `services.json holds ${name} v${v}, which no request sent`,
    )
    breaches.check(
      entry?.command === "sleep" && JSON.stringify(entry?.args) === '["3600"]',
      `services.json holds a partial entry for ${name}: ${JSON.stringify(entry)}`,
    )
  }
}

/** Every version each name was ever sent with, across rounds (services.json may hold an older acknowledged one). */
const sentEver = new Map<string, Set<string>>()

const tempFiles = (soak: Soak) => readdirSync(soak.dataDir).filter((f) => f.includes(".tmp-"))

interface Seen {
  readonly known: Known
  readonly state: string
  readonly pid: number | null
}

/** The services as the restarted daemon has them. */
const observe = async (soak: Soak): Promise<Map<string, Seen>> => {
  const list = await call(soak.port, "GET", "/api/services")
  if (list.status !== 200 || !Array.isArray(list.body))
    throw new Error(`GET /api/services answered ${list.status} ${JSON.stringify(list.body)}`)
  const seen = new Map<string, Seen>()
  for (const v of list.body as Array<any>) {
    seen.set(v.name, {
      known: {
        present: true,
        v: String(v.spec?.env?.SOAK_V ?? "config"),
        desired: v.desired,
        spec: JSON.stringify(v.spec),
      },
      state: v.state,
      pid: v.pid,
    })
  }
  return seen
}

/** The first look after a restart; one that keeps failing is a breach (and counts as nothing seen). */
const observeOnce = async (soak: Soak, round: number, breaches: Breaches) => {
  let failure = ""
  const seen = await waitFor(
    "GET /api/services to answer after the restart",
    () =>
      observe(soak).catch((error: unknown) => {
        failure = String(error)
        return undefined
      }),
    15_000,
  ).catch(() => undefined)
  if (seen === undefined) breaches.add(`round ${round}: ${failure}`)
  else if (failure !== "")
    console.log(JSON.stringify({ scenario: SCENARIO, round, note: `retried: ${failure}` }))
  return seen ?? new Map<string, Seen>()
}

export const killnine = async (rounds = Number(process.env["SOAK_ROUNDS"] ?? 60)) => {
  const breaches = new Breaches(SCENARIO)
  const config = CONFIG_NAMES.map((n) => `[services.${n}]\ncommand = "sleep"\nargs = ["3600"]\n`).join("\n")
  const port = await freePort()
  const soak = prepare(port, config)
  const model = new Map<string, Known>()
  let daemon = await launch(soak)
  const initial = await observe(soak)
  for (const name of CONFIG_NAMES) model.set(name, initial.get(name)?.known ?? ABSENT)
  const totals = { acks: 0, refused: 0, inFlight: 0, landed: 0, lost: 0, tempsLeftByKill: 0 }
  const started = Date.now()
  try {
    for (let round = 1; round <= rounds; round++) {
      const { chains, sent, killedAtMs } = await burst(soak, daemon, model, breaches)
      const tempsAtKill = tempFiles(soak)
      checkServicesFile(soak, sent, breaches)
      const before = Date.now()
      daemon = await launch(soak)
      const restartMs = Date.now() - before
      const seen = await observeOnce(soak, round, breaches)
      let lost = 0
      let landed = 0
      const chained = new Map(chains.map((c) => [c.name, c]))
      for (const name of [...API_NAMES, ...CONFIG_NAMES]) {
        const chain = chained.get(name)
        const acked = chain?.acked ?? model.get(name) ?? ABSENT
        const actual: Known = seen.get(name)?.known ?? ABSENT
        const landedAs =
          chain?.inFlight === undefined
            ? undefined
            : ifLanded(acked, chain.inFlight, CONFIG_NAMES.includes(name))
        if (same(acked, actual)) {
          model.set(name, actual)
          continue
        }
        if (landedAs !== undefined && same(landedAs, actual)) {
          landed++
          model.set(name, actual)
          continue
        }
        lost++
        breaches.add(
          `round ${round}: ${name} acknowledged as ${show(acked)}` +
            (chain?.inFlight === undefined ? "" : ` (then ${chain.inFlight._tag} in flight)`) +
            `, but after the restart it is ${show(actual)}; this round: ${chain?.history.join(", ") ?? "untouched"}`,
        )
        model.set(name, actual)
      }
      // Settled: running ones run, stopped ones are stopped; then each has its one process.
      const settled = await waitFor(
        "every service to reach its desired state",
        async () => {
          const now = await observe(soak)
          return [...now.values()].every((v) =>
            v.known.present && v.known.desired === "running"
              ? v.state === "running" && v.pid !== null
              : v.state === "stopped",
          )
            ? now
            : undefined
        },
        20_000,
      ).catch((error: unknown) => {
        breaches.add(`round ${round}: ${String(error)}`)
        return undefined
      })
      const processes = markedProcesses(soak.instance)
      for (const [name, v] of settled ?? []) {
        const pids = processes.get(name) ?? []
        const want = v.state === "running" ? [v.pid] : []
        breaches.check(
          JSON.stringify(pids) === JSON.stringify(want),
          `round ${round}: ${name} (${v.state}, pid ${v.pid}) has processes ${JSON.stringify(pids)}`,
        )
      }
      for (const [name, pids] of processes)
        breaches.check(
          seen.has(name),
          `round ${round}: processes ${pids} of ${name}, which is not registered`,
        )
      const staleTemps = tempFiles(soak).filter((f) => !f.endsWith(`.tmp-${daemon.pid}`))
      breaches.check(
        staleTemps.length === 0,
        `round ${round}: temp files outlive the restart: ${staleTemps.join(", ")}`,
      )
      const acks = chains.reduce((n, c) => n + c.acks, 0)
      const refused = chains.reduce((n, c) => n + c.refused, 0)
      const inFlight = chains.filter((c) => c.inFlight !== undefined).length
      totals.acks += acks
      totals.refused += refused
      totals.inFlight += inFlight
      totals.landed += landed
      totals.lost += lost
      totals.tempsLeftByKill += tempsAtKill.length
      report(SCENARIO, {
        round,
        killed_at_ms: killedAtMs,
        writes_acked: acks,
        refused,
        in_flight: inFlight,
        in_flight_landed: landed,
        writes_lost: lost,
        temp_files_at_kill: tempsAtKill.length,
        restart_ms: restartMs,
        services: seen.size,
        running: [...seen.values()].filter((v) => v.known.present && v.known.desired === "running").length,
      })
    }
    await daemon.stop()
    const left = markedProcesses(soak.instance)
    breaches.check(left.size === 0, `processes left after the final stop: ${JSON.stringify([...left])}`)
    breaches.check(tempFiles(soak).length === 0, `temp files left after the final stop: ${tempFiles(soak)}`)
  } finally {
    await daemon.kill9()
    killMarked(soak.instance)
  }
  const summary = {
    summary: true,
    rounds,
    seconds: Math.round((Date.now() - started) / 1000),
    writes_acked: totals.acks,
    refused: totals.refused,
    in_flight_at_kill: totals.inFlight,
    in_flight_landed: totals.landed,
    writes_lost: totals.lost,
    temp_files_at_kill: totals.tempsLeftByKill,
    breaches: breaches.found.length,
    data_dir: soak.dir,
  }
  report(SCENARIO, summary)
  return breaches
}
