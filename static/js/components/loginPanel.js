// The `loginPanel` component: the API-token form shown when the session asks to log in.

import * as api from "../../api.js"
import { session } from "../stores/access.js"

export const loginPanel = () => ({
  token: "",
  error: "",
  busy: false,
  // `autofocus` does nothing on a field hidden at load: focus it whenever the form is shown.
  init() {
    window.Alpine.effect(() => {
      if (session().state !== "login") return
      // After x-show has shown the form (a hidden field cannot take focus).
      const field = this.$refs.token
      let tries = 20
      const focus = () => {
        if (session().state !== "login" || document.activeElement === field || tries-- === 0) return
        field.focus()
        requestAnimationFrame(focus)
      }
      requestAnimationFrame(focus)
    })
  },
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
      // A refused token leaves focus on its field, to type it again.
      this.$nextTick(() => this.$refs.token && this.$refs.token.focus())
    } finally {
      this.busy = false
    }
  },
})
