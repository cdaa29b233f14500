// The `logViewer` component: the logs dialog. Loads the newest 200 lines and follows the log
// stream (skipping lines it replays, reloading after a drop), or, with a search or a time range,
// asks the server, which reads the log file and its rotations (a search goes back further than
// memory holds, up to a bound per request it reports). "Load older" pages back with the answer's
// cursor. Filters by stream, keeps at most 2000 followed lines, sticks to the bottom unless the
// reader scrolled up. Opened on a job run (with `since`/`until` from its history) it shows that
// run's lines only, and does not follow.

import * as api from "../../api.js"
import { ansiSegments, plainText } from "../ansi.js"
import { formatMiB, formatTime } from "../format.js"
import { firstMatch, highlight } from "../highlight.js"
import { safeParse } from "../json.js"
import { session } from "../stores/access.js"
import { fromLocalInput, toLocalInput } from "../timeRange.js"

export const logViewer = () => {
  let stream = null // EventSource of the log stream, kept out of reactive state
  let seq = 0
  const MAX_LINES = 2000
  /** Lines asked for per page: the newest, a search's or an older page. */
  const PAGE = 200
  /** A time range shows up to this many lines at once. */
  const RANGE_PAGE = 1000
  /** Longer lines are folded to this many characters, with an expander. */
  const FOLD = 400
  return {
    name: "",
    lines: [],
    follow: true,
    filters: { stdout: true, stderr: true, dockless: true },
    loading: false,
    loadingOlder: false,
    error: "",
    streamState: "",
    atBottom: true,
    /** { since, until, run }: run is true for a job run's range, false for one picked here. */
    range: null,
    /** The search the lines shown answer ("" for none). */
    search: "",
    searchInput: "",
    sinceInput: "",
    untilInput: "",
    /** The cursor for the lines before the oldest shown, or null when there are none to ask for. */
    older: null,
    /** Bytes of log files read for the lines shown, and whether the last page stopped at the bound. */
    scanned: 0,
    bounded: false,
    /** Followed lines pushed older ones out of the view (and their cursor with them). */
    dropped: false,
    show(detail) {
      this.name = detail.name
      this.lines = []
      this.error = ""
      this.range = detail.since ? { since: detail.since, until: detail.until, run: true } : null
      this.search = ""
      this.searchInput = ""
      this.sinceInput = this.range ? toLocalInput(this.range.since) : ""
      this.untilInput = this.range ? toLocalInput(this.range.until) : ""
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
        segs: ansiSegments(text),
        long: plain.length > FOLD,
        // A search hit past the fold is shown, not hidden behind the expander.
        open: firstMatch(plain, this.search) >= FOLD,
      }
    },
    /** What the server is asked besides the lines: the search and the time range. */
    query() {
      const q = {}
      if (this.search) q.search = this.search
      if (this.range) {
        if (this.range.since) q.since = this.range.since
        if (this.range.until) q.until = this.range.until
      }
      return q
    },
    pageSize() {
      return this.range && !this.search ? RANGE_PAGE : PAGE
    },
    /** Takes in one answer's cursor and what it read. */
    note(res, add) {
      this.older = res && typeof res.older === "string" ? res.older : null
      const bytes = res && typeof res.scanned_bytes === "number" ? res.scanned_bytes : 0
      this.scanned = add ? this.scanned + bytes : bytes
      this.bounded = Boolean(res && res.scan_limit_reached)
    },
    async load() {
      const name = this.name
      this.loading = true
      this.error = ""
      this.dropped = false
      this.stopFollow()
      try {
        const res = await api.logs(name, this.pageSize(), this.query())
        if (this.name !== name) return
        this.lines = (res && Array.isArray(res.lines) ? res.lines : []).map((l) => this.toLine(l))
        this.note(res, false)
        this.scrollToEndSoon()
        if (this.follow) this.startFollow()
      } catch (e) {
        this.failed(e, name)
      } finally {
        if (this.name === name) this.loading = false
      }
    },
    /** The page before the oldest line shown, added above it; the reader's place stays put. */
    async loadOlder() {
      const name = this.name
      const before = this.older
      if (!before || this.loadingOlder) return
      this.loadingOlder = true
      this.error = ""
      try {
        const res = await api.logs(name, this.pageSize(), { ...this.query(), before })
        if (this.name !== name || this.older !== before) return
        const view = this.$refs.view
        const fromBottom = view ? view.scrollHeight - view.scrollTop : 0
        const older = (res && Array.isArray(res.lines) ? res.lines : []).map((l) => this.toLine(l))
        this.lines = older.concat(this.lines)
        this.note(res, true)
        this.$nextTick(() => {
          if (view) view.scrollTop = view.scrollHeight - fromBottom
        })
      } catch (e) {
        this.failed(e, name)
      } finally {
        if (this.name === name) this.loadingOlder = false
      }
    },
    failed(e, name) {
      if (e.status === 401) session().expired()
      if (this.name === name) this.error = e.message
    },
    /** Search and time range as typed: the server is asked again, and following stops while either is set. */
    apply() {
      this.search = this.searchInput.trim()
      this.range = this.typedRange()
      this.follow = !this.search && this.range === null
      this.load()
    },
    typedRange() {
      const r = this.range
      // A job run's range whose inputs were left as they were is kept to the millisecond.
      const untouched =
        r && r.run && this.sinceInput === toLocalInput(r.since) && this.untilInput === toLocalInput(r.until)
      if (untouched) return r
      const since = fromLocalInput(this.sinceInput)
      const until = fromLocalInput(this.untilInput, { end: true })
      return since || until ? { since, until, run: false } : null
    },
    /** Back to the newest lines, followed. */
    clearQuery() {
      this.searchInput = ""
      this.sinceInput = ""
      this.untilInput = ""
      this.search = ""
      this.range = null
      this.follow = true
      this.load()
    },
    downloadUrl() {
      return this.name ? api.logDownloadUrl(this.name) : "#"
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
      this.older = null
      this.error = `${this.name} was deleted; no more output will come.`
    },
    stopFollow() {
      if (stream) stream.close()
      stream = null
      this.streamState = ""
    },
    setFollow(on) {
      this.follow = Boolean(on)
      // Following means the newest lines, not one run's or a search's.
      if (this.follow) {
        this.range = null
        this.search = ""
        this.searchInput = ""
        this.sinceInput = ""
        this.untilInput = ""
        this.load()
      } else this.stopFollow()
    },
    followLabel() {
      if (!this.follow) return "paused"
      return this.streamState === "live" ? "following" : this.streamState || "…"
    },
    append(line) {
      const view = this.$refs.view
      const atBottom = view ? view.scrollTop + view.clientHeight >= view.scrollHeight - 24 : true
      this.lines.push(line)
      if (this.lines.length > MAX_LINES) {
        this.lines.splice(0, this.lines.length - MAX_LINES)
        // The cursor was for the oldest line, now gone: paging on from it would skip lines.
        this.older = null
        this.dropped = true
      }
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
      if (!this.range) return ""
      const from = this.range.since ? formatTime(this.range.since) : "…"
      const to = this.range.until ? formatTime(this.range.until) : "…"
      return this.range.run ? `one run: ${from} – ${to}` : `${from} – ${to}`
    },
    countLabel() {
      const shown = this.visible.length
      const what = this.search ? (shown === 1 ? "match" : "matches") : "lines"
      return shown === this.lines.length ? `${shown} ${what}` : `${shown} of ${this.lines.length} ${what}`
    },
    /** Says how far back the lines shown reach when the server stopped at its bound. */
    scanLabel() {
      if (!this.bounded) return ""
      const where = this.search ? "searched" : "read"
      return `${where} the last ${formatMiB(this.scanned)} of the log files; "Load older" goes further back`
    },
    toggle(stream) {
      this.filters[stream] = !this.filters[stream]
    },
    /** The segments shown, search matches cut out as hits; a folded long line shows its first FOLD characters. */
    segsOf(l) {
      const segs = l.long && !l.open ? [{ text: `${l.plain.slice(0, FOLD)}…`, cls: "" }] : l.segs
      return highlight(segs, this.search)
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
