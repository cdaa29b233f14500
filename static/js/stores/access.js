// How stores and components reach the Alpine stores: one accessor per store, read at call time
// (after `alpine:init`), and `tick()` for live counters.

export const services = () => window.Alpine.store("services")
export const session = () => window.Alpine.store("session")
export const toasts = () => window.Alpine.store("toasts")
export const usage = () => window.Alpine.store("usage")
export const notifications = () => window.Alpine.store("notifications")

// The current time for live counters: reading the store's `now` makes Alpine re-render them
// every second; the value itself is taken fresh so a countdown is never a second behind.
export const tick = () => {
  void services().now
  return Date.now()
}
