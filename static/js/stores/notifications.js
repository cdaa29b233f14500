// The `notifications` store: opt-in browser notifications when a service fails (its verdict turns
// failed or crash-loop), one per episode of trouble, naming the service and its error; clicking
// one opens the service's page. Switched on in the top bar (asking the browser's permission then),
// remembered in localStorage. A service already failing when first seen is not news.

import { troubleReason } from "../outcome.js"
import { verdictOf } from "../verdict.js"
import { toasts } from "./access.js"

const KEY = "dockless.notifications"
const FAILING = ["failed", "crash-loop"]

export function notificationsStore() {
  // Kept out of reactive state: services seen at least once, and those in an episode of trouble
  // (notified once for it; the episode ends when the verdict leaves FAILING).
  const known = new Set()
  const failing = new Set()
  return {
    // Notification exists only in a secure context (https, or localhost).
    supported: typeof window.Notification === "function",
    enabled: readEnabled(),
    async toggle() {
      if (this.enabled) return this.remember(false)
      const permission = await window.Notification.requestPermission()
      if (permission === "granted") return this.remember(true)
      toasts().push(
        "The browser blocks notifications from this page: allow them in its site settings, then switch them on again.",
      )
    },
    remember(enabled) {
      this.enabled = enabled
      try {
        localStorage.setItem(KEY, enabled ? "on" : "off")
      } catch {
        // storage unavailable: the choice lasts for this page
      }
    },
    /** Every view the page receives passes here: a transition into trouble is notified once. */
    saw(view) {
      const name = view.name
      const news = known.has(name)
      known.add(name)
      const verdict = verdictOf(view, Date.now())
      if (!FAILING.includes(verdict)) {
        failing.delete(name)
        return
      }
      if (failing.has(name)) return
      failing.add(name)
      if (news) this.notify(view, verdict)
    },
    forget(name) {
      known.delete(name)
      failing.delete(name)
    },
    notify(view, verdict) {
      if (!this.supported || !this.enabled || window.Notification.permission !== "granted") return
      const title = verdict === "crash-loop" ? `${view.name} is crash-looping` : `${view.name} failed`
      const note = new window.Notification(title, { body: troubleReason(view), tag: `dockless-${view.name}` })
      note.onclick = () => {
        window.focus()
        location.hash = `#/services/${encodeURIComponent(view.name)}`
        note.close()
      }
    },
  }
}

function readEnabled() {
  try {
    return localStorage.getItem(KEY) === "on"
  } catch {
    return false
  }
}
