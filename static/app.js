// The dashboard's entry point: registers the Alpine stores and one component per panel on
// `alpine:init` (this module and its imports run before the deferred Alpine CSP build).
//
// Data flow: the `services` store is the one source of truth for ServiceViews. It is filled by
// `GET /api/services` and kept live by the `/api/events` SSE stream (`service` and `removed`
// events); components only read it and send commands through api.js. `usage` events (every ~2 s)
// patch cpu/memory into the views in place, so only those cells re-render, and feed the `usage`
// store's per-service history (seeded from `/usage`) that the sparklines draw. The CSP build of Alpine
// parses expressions itself (property access, calls, comparisons, ternaries, `=`, literals; no
// arrow functions, template literals, `??` or `?.`), so every non-trivial expression in
// index.html is a method of a component in js/components/.

import { alertsPanel } from "./js/components/alertsPanel.js"
import { app } from "./js/components/app.js"
import { confirmDelete } from "./js/components/confirmDelete.js"
import { jobRuns } from "./js/components/jobRuns.js"
import { helpPanel } from "./js/components/helpPanel.js"
import { loginPanel } from "./js/components/loginPanel.js"
import { logViewer } from "./js/components/logViewer.js"
import { serviceDetail } from "./js/components/serviceDetail.js"
import { serviceForm } from "./js/components/serviceForm.js"
import { serviceTable } from "./js/components/serviceTable.js"
import { sessionsPanel } from "./js/components/sessionsPanel.js"
import { notificationsStore } from "./js/stores/notifications.js"
import { servicesStore } from "./js/stores/services.js"
import { sessionStore } from "./js/stores/session.js"
import { toastsStore } from "./js/stores/toasts.js"
import { usageStore } from "./js/stores/usage.js"

document.addEventListener("alpine:init", () => {
  const Alpine = window.Alpine
  Alpine.store("toasts", toastsStore())
  Alpine.store("session", sessionStore())
  Alpine.store("services", servicesStore())
  Alpine.store("usage", usageStore())
  Alpine.store("notifications", notificationsStore())

  Alpine.data("app", app)
  Alpine.data("loginPanel", loginPanel)
  Alpine.data("serviceTable", serviceTable)
  Alpine.data("serviceForm", serviceForm)
  Alpine.data("confirmDelete", confirmDelete)
  Alpine.data("logViewer", logViewer)
  Alpine.data("jobRuns", jobRuns)
  Alpine.data("serviceDetail", serviceDetail)
  Alpine.data("helpPanel", helpPanel)
  Alpine.data("sessionsPanel", sessionsPanel)
  Alpine.data("alertsPanel", alertsPanel)
})
