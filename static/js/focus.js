// Focus given back to the control that was used. A button disabled while its action is pending
// (or while the service is stopping) drops focus to <body> in Chromium, which left a keyboard
// user ~70 Tabs from row 21 after every Restart; each time it is enabled again it takes focus
// back, unless the person has put focus somewhere else meanwhile. A restart can disable it more
// than once (while the request is pending, then while the service is stopping), so the watch
// lasts until the deadline or until focus is elsewhere, not until the first time it is enabled.

/** Longer than a stop_timeout of 10 s plus a start: a restart keeps the button disabled that long. */
const RETURN_DEADLINE_MS = 30_000

export function returnFocus(control) {
  if (!(control instanceof HTMLButtonElement)) return
  const watch = new MutationObserver(() => {
    if (control.disabled) return
    const focused = document.activeElement
    const free = focused === null || focused === document.body
    if (!free) {
      if (focused !== control) stop()
      return
    }
    if (control.isConnected) control.focus()
    else stop()
  })
  const deadline = setTimeout(() => stop(), RETURN_DEADLINE_MS)
  const stop = () => {
    watch.disconnect()
    clearTimeout(deadline)
  }
  watch.observe(control, { attributes: true, attributeFilter: ["disabled"] })
}
