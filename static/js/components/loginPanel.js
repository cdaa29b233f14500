// The `loginPanel` component: the API-token form shown when the session asks to log in.

import * as api from "../../api.js"
import { session } from "../stores/access.js"

export const loginPanel = () => ({
  token: "",
  error: "",
  busy: false,
  async submit() {
    if (this.busy) return
    this.error = ""
    if (this.token.trim() === "") {
      this.error = "Enter the API token."
      return
    }
    this.busy = true
    try {
      await api.login(this.token.trim())
      this.token = ""
      await session().check()
    } catch (e) {
      this.error = e.message
    } finally {
      this.busy = false
    }
  },
})
