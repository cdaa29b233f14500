// The `alertsPanel` component: the [[notify]] targets (GET /api/notify) with what each delivered
// and its last delivery error, and "Send test" (POST /api/notify/test) to all or one, for an
// admin. Targets are set in config.toml only; this panel shows them and tries them.

import * as api from "../../api.js"
import { session, toasts } from "../stores/access.js"

export const alertsPanel = () => ({
  targets: [],
  error: "",
  busy: false,
  loaded: false,
  async show() {
    this.error = ""
    this.$refs.dialog.showModal()
    await this.load()
  },
  close() {
    this.$refs.dialog.close()
  },
  async load() {
    try {
      this.targets = (await api.notifyTargets()).targets
    } catch (e) {
      if (e.status === 401) session().expired()
      this.error = e.message
    } finally {
      this.loaded = true
    }
  },
  canTest() {
    return session().canWrite() && this.targets.length > 0
  },
  none() {
    return this.loaded && this.targets.length === 0 && this.error === ""
  },
  eventsOf(t) {
    return t.events.length === 7 ? "all events" : t.events.join(", ")
  },
  servicesOf(t) {
    return t.services.length === 0 ? "all services" : t.services.join(", ")
  },
  countsOf(t) {
    const held = t.deduped + t.rate_limited + t.dropped
    return (
      `${t.sent} sent · ${t.failed} failed · ${held} held back` +
      (t.pending > 0 ? ` · ${t.pending} waiting` : "")
    )
  },
  lastErrorOf(t) {
    return t.last_error === null
      ? ""
      : `${new Date(t.last_error.at).toLocaleString()}: ${t.last_error.message}`
  },
  async testAll() {
    await this.test(undefined)
  },
  async testOne(t) {
    await this.test(t.index)
  },
  async test(index) {
    if (this.busy) return
    this.busy = true
    this.error = ""
    try {
      const { results } = await api.notifyTest(index)
      for (const r of results) {
        if (r.ok) toasts().push(`Test alert delivered to ${r.name}.`, "ok")
        else toasts().push(`${r.name}: not delivered: ${r.error}`, "error")
      }
      await this.load()
    } catch (e) {
      this.error = e.message
    } finally {
      this.busy = false
    }
  },
})
