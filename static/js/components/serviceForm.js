// The `serviceForm` component: the register / edit dialog. Fills the form from a view's spec,
// builds the service table config.toml would have (carrying the keys the form does not edit),
// checks it by the daemon's own rules (the schemas of its OpenAPI document, fetched once), sends
// it, and maps problems found here or by the API back onto the fields.

import * as api from "../../api.js"
import { formatMs } from "../format.js"
import {
  CARRIED_KEYS,
  emptyErrors,
  emptyForm,
  FORM_FIELDS,
  fieldOfControl,
  fieldOfPath,
  HEALTH_KINDS,
  numberOrText,
  parseArgs,
  parseEnv,
  parseNames,
  parsePorts,
  tableProblems,
} from "../form.js"
import { awaitOutcome, OUTCOME_DEADLINE_MS } from "../outcome.js"
import { services, session, toasts } from "../stores/access.js"
import { isDone } from "../verdict.js"

// The daemon's rules, fetched on the first submit; without them the daemon still checks.
let rules
const loadRules = () => {
  rules ??= api.apiDescription().catch(() => {
    rules = undefined
    return undefined
  })
  return rules
}

/** Wanted running but ended for good: only a start runs it again. */
const startsAfresh = (view) =>
  Boolean(view) && view.desired === "running" && ["failed", "exited"].includes(view.state) && !isDone(view)

/** The sentence (and toast kind) for how a registration or a save turned out. */
function toastOf(mode, name, outcome) {
  const saved = mode === "edit" ? `Saved ${name} and applied it` : `Registered ${name}`
  if (outcome.kind === "failed") return [`${saved}, but it does not run: ${outcome.reason}.`, "error"]
  const state = outcome.view ? outcome.view.state : "starting"
  const how = {
    running: ": running.",
    done: ": its run succeeded.",
    stopped: mode === "edit" ? "; it stays stopped." : " (not started).",
    undecided: `; still ${state} after ${OUTCOME_DEADLINE_MS / 1000} s.`,
  }[outcome.kind]
  return [`${saved}${how}`, "ok"]
}

export const serviceForm = () => ({
  mode: "register",
  original: "",
  f: emptyForm(),
  errors: emptyErrors(),
  formError: "",
  other: [],
  busy: false,
  carried: {},
  // timeout / start_period of an existing health check, which the form does not edit.
  healthCarried: {},
  title() {
    return this.mode === "edit" ? `Edit ${this.original}` : "Register a service"
  },
  // "" | "sending" | "starting": what the busy submit button says it is waiting for.
  phase: "",
  // Counts openings: an outcome that arrives after the form was closed or opened again is toasted.
  opened: 0,
  submitLabel() {
    if (this.phase === "starting") return "Starting…"
    if (this.busy) return this.mode === "edit" ? "Saving…" : "Registering…"
    return this.mode === "edit" ? "Save and apply" : "Register"
  },
  show(detail) {
    this.clearErrors()
    this.busy = false
    this.phase = ""
    this.opened++
    this.carried = {}
    this.healthCarried = {}
    if (detail && detail.mode === "edit") {
      const view = services().list.find((s) => s.name === detail.name)
      if (!view) return
      const spec = view.spec || {}
      this.mode = "edit"
      this.original = view.name
      const health = spec.health && typeof spec.health === "object" ? spec.health : null
      const kind = health ? HEALTH_KINDS.find((k) => health[k] !== undefined) : undefined
      this.f = {
        ...emptyForm(),
        name: view.name,
        command: spec.command || "",
        args: Array.isArray(spec.args) ? spec.args.join("\n") : "",
        cwd: spec.cwd || "",
        env: spec.env
          ? Object.entries(spec.env)
              .map(([k, v]) => `${k}=${v}`)
              .join("\n")
          : "",
        restart: spec.restart || "on-failure",
        ports: Array.isArray(spec.ports) ? spec.ports.join(", ") : "",
        portAuto: spec.port === "auto",
        depends: Array.isArray(spec.depends_on) ? spec.depends_on.join(", ") : "",
        autostart: spec.autostart !== false,
        healthType: kind || "none",
        healthTarget: kind === "http" || kind === "tcp" ? String(health[kind]) : "",
        healthExec: kind === "exec" && Array.isArray(health.exec) ? health.exec.join("\n") : "",
        healthInterval: health ? formatMs(health.interval) : "",
        healthRetries: health && typeof health.retries === "number" ? String(health.retries) : "",
      }
      for (const key of CARRIED_KEYS) {
        if (spec[key] !== undefined && spec[key] !== null) this.carried[key] = spec[key]
      }
      if (typeof this.carried.port !== "number") delete this.carried.port
      if (health) {
        for (const key of ["timeout", "start_period"]) {
          const text = typeof health[key] === "number" ? formatMs(health[key]) : health[key]
          if (typeof text === "string" && text !== "") this.healthCarried[key] = text
        }
      }
    } else {
      this.mode = "register"
      this.original = ""
      this.f = emptyForm()
    }
    this.$refs.dialog.showModal()
    this.$nextTick(() => {
      const first = this.$refs.dialog.querySelector(this.mode === "edit" ? "[name=command]" : "[name=name]")
      if (first) first.focus()
    })
  },
  close() {
    this.$refs.dialog.close()
  },
  clearErrors() {
    this.errors = emptyErrors()
    this.formError = ""
    this.other = []
  },
  invalid(field) {
    return this.errors[field] !== ""
  },
  healthOn() {
    return this.f.healthType !== "none"
  },
  healthIs(kind) {
    return this.f.healthType === kind
  },
  healthTargetLabel() {
    return this.f.healthType === "tcp" ? "Port to connect to" : "URL to GET (2xx or 3xx is healthy)"
  },
  healthTargetPlaceholder() {
    return this.f.healthType === "tcp" ? "8080" : "http://127.0.0.1:8080/healthz"
  },
  // The health table as config.toml would have it, durations as strings ("10s"); whether the
  // values are right is for the rules to say.
  buildHealth() {
    const f = this.f
    const kind = f.healthType
    if (!HEALTH_KINDS.includes(kind)) return undefined
    const health = {}
    if (kind === "http") health.http = f.healthTarget.trim()
    else if (kind === "tcp") health.tcp = numberOrText(f.healthTarget.trim())
    else health.exec = parseArgs(f.healthExec)
    const interval = f.healthInterval.trim()
    if (interval !== "") health.interval = interval
    const retries = f.healthRetries.trim()
    if (retries !== "") health.retries = numberOrText(retries)
    return { ...health, ...this.healthCarried }
  },
  // The service table as config.toml would have it; empty optional fields are left out.
  build() {
    const f = this.f
    const table = this.mode === "edit" ? { ...this.carried } : {}
    if (this.mode === "register") table.name = f.name.trim()
    table.command = f.command.trim()
    const args = parseArgs(f.args)
    if (args.length > 0) table.args = args
    if (f.cwd.trim() !== "") table.cwd = f.cwd.trim()
    const env = parseEnv(f.env)
    if (env.error) this.errors.env = env.error
    else if (Object.keys(env.env).length > 0) table.env = env.env
    table.restart = f.restart
    const ports = parsePorts(f.ports)
    if (ports.length > 0) table.ports = ports
    if (f.portAuto) table.port = "auto"
    const deps = parseNames(f.depends)
    if (deps.length > 0) table.depends_on = deps
    const health = this.buildHealth()
    if (health) table.health = health
    table.autostart = Boolean(f.autostart)
    return table
  },
  // Puts each problem (from here or from the API) at the field its path names, or in the list.
  place(problems) {
    for (const d of problems) {
      const message = d && typeof d.message === "string" ? d.message : String(d)
      const field = d ? fieldOfPath(d.path) : null
      if (field) this.errors[field] = this.errors[field] ? `${this.errors[field]} ${message}` : message
      else
        this.other.push(
          d && d.path ? `${Array.isArray(d.path) ? d.path.join(".") : d.path}: ${message}` : message,
        )
    }
  },
  async submit() {
    if (this.busy) return
    this.clearErrors()
    this.busy = true
    this.phase = "sending"
    const table = this.build()
    this.place(tableProblems(await loadRules(), this.mode, table))
    if (FORM_FIELDS.some((k) => this.errors[k] !== "") || this.other.length > 0) {
      this.refused("Fix the marked fields.")
      return
    }
    const name = this.mode === "edit" ? this.original : table.name
    const before = services().list.find((s) => s.name === name)
    let view
    try {
      view = this.mode === "edit" ? await api.update(name, table) : await api.register(table)
      services().accept(view)
      // "Save and apply": a service that had failed (or exited while wanted running) is started
      // afresh with its new spec; PUT alone only restarts one that is running.
      if (this.mode === "edit" && startsAfresh(view)) {
        view = await api.start(name)
        services().accept(view)
      }
    } catch (e) {
      if (e.status === 401) session().expired()
      this.place(e.details || [])
      this.refused(e.message)
      return
    }
    this.phase = "starting"
    const opened = this.opened
    const mode = this.mode
    const outcome = await awaitOutcome(name, view, before)
    // Closed (or opened for another service) meanwhile: the corner is the place left to say it.
    if (opened === this.opened && this.$refs.dialog.open) this.told(name, outcome)
    else toasts().push(...toastOf(mode, name, outcome))
  },
  /** The form stays open with the problems beside their fields, the first of them focused. */
  refused(sentence) {
    this.formError = sentence
    this.busy = false
    this.phase = ""
    this.$nextTick(() => this.focusFirstProblem())
  },
  focusFirstProblem() {
    const controls = this.$refs.dialog.querySelectorAll("input[name], select[name], textarea[name]")
    for (const control of controls) {
      const field = fieldOfControl(control.name)
      if (control.offsetParent !== null && FORM_FIELDS.includes(field) && this.invalid(field)) {
        control.focus()
        return
      }
    }
    this.$refs.formError.focus()
  },
  /**
   * Says how it turned out, and only then: running (or stopped, or done) closes the form with a
   * confirmation; a service that fails at once keeps it open with the reason, as an edit of what
   * was saved, so the fix is one "Save and apply" away.
   */
  told(name, outcome) {
    this.busy = false
    this.phase = ""
    const [sentence, kind] = toastOf(this.mode, name, outcome)
    if (kind === "ok") {
      toasts().push(sentence, kind)
      this.close()
      return
    }
    if (this.mode === "register") this.editSaved(name, outcome.view)
    this.refused(sentence)
  },
  /** A registration that was saved is edited from now on (its name is taken). */
  editSaved(name, view) {
    this.mode = "edit"
    this.original = name
    const spec = view && view.spec ? view.spec : {}
    for (const key of CARRIED_KEYS) {
      if (spec[key] !== undefined && spec[key] !== null) this.carried[key] = spec[key]
    }
    if (typeof this.carried.port !== "number") delete this.carried.port
  },
})
