// The `sessionsPanel` component: the dashboard sessions open now (GET /api/sessions), this
// browser's marked, each with "Revoke" (DELETE /api/sessions/:id) for an admin. Revoking this
// browser's own session logs it out.

import * as api from "../../api.js"
import { session, toasts } from "../stores/access.js"

export const sessionsPanel = () => ({
  list: [],
  error: "",
  busy: false,
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
      this.list = (await api.sessions()).sessions
    } catch (e) {
      if (e.status === 401) session().expired()
      this.error = e.message
    }
  },
  canRevoke() {
    return session().canWrite()
  },
  when(iso) {
    return new Date(iso).toLocaleString()
  },
  async revoke(s) {
    if (this.busy) return
    this.busy = true
    this.error = ""
    try {
      await api.revokeSession(s.id)
      toasts().push(`Revoked the session of ${s.address}.`, "ok")
      if (s.current) {
        this.close()
        session().expired()
        return
      }
      await this.load()
    } catch (e) {
      this.error = e.message
    } finally {
      this.busy = false
    }
  },
})
