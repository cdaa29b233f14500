// The `confirmDelete` component: the "Delete NAME?" dialog; on confirm it removes the service
// and drops it from the services store.

import * as api from "../../api.js"
import { services, session, toasts } from "../stores/access.js"

export const confirmDelete = () => ({
  name: "",
  error: "",
  busy: false,
  show(detail) {
    this.name = detail.name
    this.error = ""
    this.busy = false
    this.$refs.dialog.showModal()
  },
  cancel() {
    this.$refs.dialog.close()
  },
  async confirm() {
    if (this.busy) return
    this.busy = true
    this.error = ""
    try {
      await api.remove(this.name)
      services().drop(this.name)
      toasts().push(`Deleted ${this.name}.`, "ok")
      this.$refs.dialog.close()
    } catch (e) {
      if (e.status === 401) session().expired()
      this.error = e.message
    } finally {
      this.busy = false
    }
  },
})
