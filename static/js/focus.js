// Focus given back to the control that was used. A button disabled while its action is pending
// (or while the service is stopping) drops focus to <body> in Chromium, which left a keyboard
// user ~70 Tabs from row 21 after every Restart; once it is enabled again it takes focus back,
// unless the person has put focus somewhere else meanwhile.

/** Longer than a stop_timeout of 10 s plus a start: a restart keeps the button disabled that long. */
const RETURN_DEADLINE_MS = 30_000

export function returnFocus(control) {
  if (!(control instanceof HTMLButtonElement)) return
  const watch = new MutationObserver(() => {
    if (control.disabled) return
    stop()
    const free = document.activeElement === null || document.activeElement === document.body
    if (control.isConnected && free) control.focus()
  })
  const deadline = setTimeout(() => stop(), RETURN_DEADLINE_MS)
  const stop = () => {
    watch.disconnect()
    clearTimeout(deadline)
  }
  watch.observe(control, { attributes: true, attributeFilter: ["disabled"] })
}
