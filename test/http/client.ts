// Small HTTP helpers for the API tests: an SSE reader that collects frames in the background,
// raw requests that bypass fetch's URL normalisation, and cleanup of daemons and service pids.
import { request } from "node:http"
import { isAlive, TOKEN, waitFor, type Daemon } from "../support/daemon.ts"

export interface SseFrame {
  readonly event: string
  readonly data: any
}

export interface SseReader {
  readonly status: number
  readonly contentType: string | null
  readonly frames: Array<SseFrame>
  /** Waits for a frame at index >= `from` matching `ok`, returning it. */
  readonly next: (what: string, ok: (f: SseFrame) => boolean, from?: number, ms?: number) => Promise<SseFrame>
  readonly close: () => void
}

const parseFrame = (raw: string): SseFrame | undefined => {
  let event = "message"
  const data: Array<string> = []
  for (const line of raw.split("\n")) {
    if (line.startsWith("event: ")) event = line.slice(7)
    else if (line.startsWith("data: ")) data.push(line.slice(6))
  }
  return data.length === 0 ? undefined : { event, data: JSON.parse(data.join("\n")) }
}

/** Opens an SSE stream with fetch and parses `event:` / `data:` frames as they arrive. */
export const openSse = async (url: string, headers: Record<string, string> = {}): Promise<SseReader> => {
  const controller = new AbortController()
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    signal: controller.signal,
  })
  const frames: Array<SseFrame> = []
  const body = response.body
  if (response.ok && body !== null) {
    void (async () => {
      const reader = body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ""
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) return
          buffer += value
          let end = buffer.indexOf("\n\n")
          while (end !== -1) {
            const frame = parseFrame(buffer.slice(0, end))
            if (frame !== undefined) frames.push(frame)
            buffer = buffer.slice(end + 2)
            end = buffer.indexOf("\n\n")
          }
        }
      } catch {
        // Aborted by close().
      }
    })()
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    frames,
    next: (what, ok, from = 0, ms = 10_000) => waitFor(what, () => frames.slice(from).find(ok), ms),
    close: () => controller.abort(),
  }
}

export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
}

/** A request with the path sent exactly as given (fetch would normalise `%2e%2e` and `..`). */
export const raw = (
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<RawResponse> =>
  new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () =>
        done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      )
    })
    req.on("error", fail)
    req.end(body)
  })

/** Stops every daemon (SIGTERM by pid, SIGKILL after the deadline), then kills any service pid left. */
export const cleanup = async (daemons: Array<Daemon>, pids: Array<number> = []): Promise<void> => {
  await Promise.all(daemons.splice(0).map((d) => d.stop()))
  for (const pid of pids.splice(0)) {
    if (isAlive(pid)) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // Gone in between.
      }
    }
  }
}
