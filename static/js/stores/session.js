// The `session` store: whether we are checking, logged in (`ready`), asked to log in (`login`)
// or cut off from the daemon (`unreachable`, retried every 3 s). A successful check fills the
// services store and opens its event stream; logout closes it and clears what we showed.
// `role` is what our token or session may do: "viewer" reads everything and changes nothing,
// so the write buttons are hidden (the server answers 403 anyway).

import * as api from "../../api.js"
import { services, session, toasts, usage } from "./access.js"

export function sessionStore() {
  return {
    // checking | login | ready | unreachable
    state: "checking",
    error: "",
    // admin | viewer
    role: "admin",
    canWrite() {
      return this.role === "admin"
    },
    async check() {
      try {
        const list = await api.listServices()
        this.role = (await api.sessions()).role
        services().replace(list)
        usage().seed(list)
        this.state = "ready"
        this.error = ""
        services().connect()
      } catch (e) {
        // Logged in and the daemon went away: keep the page, greyed, and keep asking.
        if (e.status !== 401 && this.state === "ready") {
          services().disconnect()
          services().markDown()
          setTimeout(() => {
            if (session().state === "ready") session().check()
          }, 3000)
          return
        }
        services().reset()
        if (e.status === 401) {
          this.state = "login"
        } else {
          this.state = "unreachable"
          this.error = e.message
          setTimeout(() => {
            if (session().state === "unreachable") session().check()
          }, 3000)
        }
      }
    },
    // An API call answered 401 while we thought we were in: the session ended.
    expired() {
      if (this.state === "ready") this.check()
    },
    async logout() {
      try {
        await api.logout()
      } catch (e) {
        if (e.status !== 401) toasts().push(e.message)
      }
      services().reset()
      services().replace([])
      usage().clear()
      this.state = "login"
    },
  }
}
