// Every toast a dashboard page shows, kept after it is dismissed (toasts go after 4-8 s, often
// before a test looks): an init script records each toast element as Alpine adds it, and the
// text and kind are read when asked, since Alpine fills them in after adding the element.
import type { BrowserContext, Page } from "playwright-core"

declare global {
  interface Window {
    /** Every toast element the page has added (the init script's record). */
    __toasts?: Array<HTMLElement>
  }
}

/** Records toasts on every page of `context` opened from now on. */
export const recordToasts = (context: BrowserContext) =>
  context.addInitScript(() => {
    const toasts: Array<HTMLElement> = []
    window.__toasts = toasts
    new MutationObserver((records) => {
      for (const r of records)
        for (const node of r.addedNodes)
          if (node instanceof HTMLElement && node.classList.contains("toast")) toasts.push(node)
    }).observe(document, { childList: true, subtree: true })
  })

/** Every toast the page has shown so far, in order, as "kind: text". */
export const toastsSeen = (page: Page): Promise<Array<string>> =>
  page.evaluate(() =>
    (window.__toasts ?? []).map(
      (el) =>
        `${el.classList.contains("toast-error") ? "error" : "ok"}: ${el.querySelector("span")?.textContent}`,
    ),
  )
