// The `toasts` store: short messages in the corner, errors for 8 s and confirmations for 4 s,
// each dismissable by hand.

import { toasts } from "./access.js"

export function toastsStore() {
  let toastSeq = 0
  return {
    items: [],
    push(text, kind = "error") {
      const id = ++toastSeq
      this.items.push({ id, text, kind })
      setTimeout(() => toasts().dismiss(id), kind === "error" ? 8000 : 4000)
    },
    dismiss(id) {
      this.items = this.items.filter((t) => t.id !== id)
    },
  }
}
