// The `logViewer` component: the logs dialog. Loads the last 200 lines, follows the log stream
// (skipping lines it replays, reloading after a drop), filters by stream, keeps at most 2000
// lines, and sticks to the bottom unless the reader scrolled up. Opened on a job run (with
// `since`/`until` from its history) it shows that run's lines only, and does not follow.

import * as api from "../../api.js"
import { ansiSegments, plainText } from "../ansi.js"
import { formatTime } from "../format.js"
import { safeParse } from "../json.js"
import { session } from "../stores/access.js"

export const logViewer = () => {
  let stream = null // EventSource of the log stream, kept out of reactive state
  let seq = 0
  const MAX_LINES = 2000
  /** Longer lines are folded to this many characters, with an expander. */
  const FOLD = 400
  return {
    name: "",
    lines: [],
    follow: true,
    filters: { stdout: true, stderr: true, dockless: true },
    loading: false,
    error: "",
    streamState: "",
    atBottom: true,
    range: null,
    show(detail) {
      this.name = detail.name
      this.lines = []
      this.error = ""
      this.range = detail.since ? { since: detail.since, until: detail.until } : null
      this.follow = this.range === null
      this.atBottom = true
      this.$refs.dialog.showModal()
      this.load()
    },
    close() {
      this.$refs.dialog.close()
    },
    onClose() {
      this.stopFollow()
      this.name = ""
      this.lines = []
    },
    toLine(raw) {
      const stream = raw && typeof raw.stream === "string" ? raw.stream : "stdout"
      const ts = raw && typeof raw.ts === "string" ? raw.ts : ""
      const text = raw && raw.text != null ? String(raw.text) : ""
      const plain = plainText(text)
      return {
        id: ++seq,
        ts,
        time: formatTime(ts),
        stream,
        text,
        plain,
        segs: ansiSegments(plain.length > FOLD ? text : text),
        long: plain.length > FOLD,
        open: false,
      }
    },
    async load() {
      const name = this.name
      this.loading = true
      this.stopFollow()
      try {
        const res = this.range ? await api.logs(name, 1000, this.range) : await api.logs(name, 200)
        if (this.name !== name) return
        this.lines = (res && Array.isArray(res.lines) ? res.lines : []).map((l) => this.toLine(l))
        this.scrollToEndSoon()
        if (this.follow) this.startFollow()
      } catch (e) {
        if (e.status === 401) session().expired()
        if (this.name === name) this.error = e.message
      } finally {
        if (this.name === name) this.loading = false
      }
    },
    startFollow() {
      this.stopFollow()
      const name = this.name
      // Lines already shown from the history are skipped if the stream replays them.
      const seen = new Set(this.lines.slice(-200).map((l) => `${l.ts}\u0000${l.stream}\u0000${l.text}`))
      const es = new EventSource(api.logStreamUrl(name))
      stream = es
      let opened = false
      this.streamState = "connecting"
      es.addEventListener("open", () => {
        if (stream !== es) return
        // Back after a drop: reload the history so the lines written meanwhile are not lost.
        if (opened) this.load()
        else this.streamState = "live"
        opened = true
      })
      es.addEventListener("log", (ev) => {
        if (stream !== es) return
        const raw = safeParse(ev.data)
        if (!raw) return
        const line = this.toLine(raw)
        const key = `${line.ts}\u0000${line.stream}\u0000${line.text}`
        if (seen.size > 0 && seen.has(key)) {
          seen.delete(key)
          return
        }
        seen.clear()
        this.append(line)
      })
      es.addEventListener("error", () => {
        if (stream !== es) return
        this.streamState = es.readyState === EventSource.CLOSED ? "stopped" : "reconnecting"
      })
    },
    onRemoved(detail) {
      if (!detail || detail.name !== this.name) return
      this.stopFollow()
      this.follow = false
      this.error = `${this.name} was deleted; no more output will come.`
    },
    stopFollow() {
      if (stream) stream.close()
      stream = null
      this.streamState = ""
    },
    setFollow(on) {
      this.follow = Boolean(on)
      // Following means the newest lines, not one run's.
      if (this.follow) this.range = null
      if (this.follow) this.load()
      else this.stopFollow()
    },
    followLabel() {
      if (!this.follow) return "paused"
      return this.streamState === "live" ? "following" : this.streamState || "…"
    },
    append(line) {
      const view = this.$refs.view
      const atBottom = view ? view.scrollTop + view.clientHeight >= view.scrollHeight - 24 : true
      this.lines.push(line)
      if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES)
      if (atBottom) this.scrollToEndSoon()
    },
    scrollToEndSoon() {
      this.$nextTick(() => {
        const view = this.$refs.view
        if (view) view.scrollTop = view.scrollHeight
      })
    },
    onScroll() {
      const view = this.$refs.view
      this.atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - 24
    },
    jumpToEnd() {
      this.atBottom = true
      this.scrollToEndSoon()
    },
    get visible() {
      return this.lines.filter((l) => this.filters[l.stream] !== false)
    },
    rangeLabel() {
      return this.range ? `one run: ${formatTime(this.range.since)} – ${formatTime(this.range.until)}` : ""
    },
    countLabel() {
      const shown = this.visible.length
      return shown === this.lines.length ? `${shown} lines` : `${shown} of ${this.lines.length} lines`
    },
    toggle(stream) {
      this.filters[stream] = !this.filters[stream]
    },
    /** The segments shown: a folded long line shows its first FOLD characters as plain text. */
    segsOf(l) {
      return l.long && !l.open ? [{ text: `${l.plain.slice(0, FOLD)}…`, cls: "" }] : l.segs
    },
    foldLabel(l) {
      return l.open ? "fold" : `show all ${l.plain.length} characters`
    },
    toggleFold(l) {
      l.open = !l.open
    },
    copied: "",
    /** The visible lines as "time text", one per line, on the clipboard. */
    async copyLines() {
      const text = this.visible.map((l) => `${l.ts} ${l.plain}`).join("\n")
      try {
        await navigator.clipboard.writeText(text)
        this.copied = `${this.visible.length} lines copied`
      } catch {
        this.copied = "the browser refused the clipboard"
      }
    },
    lineClass(l) {
      return ["stdout", "stderr", "dockless"].includes(l.stream) ? `line s-${l.stream}` : "line s-other"
    },
  }
}
