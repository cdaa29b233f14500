// HTTP stays available (issue 9, point 4), against a real daemon and real sockets: slow clients
// are cut off by the real 10 s limits while event streams live on, a connection or an event
// stream past its cap gets 503 with a sentence while the admitted ones keep working, and HEAD
// answers on every GET route of routes.ts.
import { request } from "node:http"
import { once } from "node:events"
import { connect, type Socket } from "node:net"
import { afterAll, beforeAll, describe, expect, it, type OnTestFinishedHandler } from "vitest"
import {
  HARD_CONNECTION_LIMIT,
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  MAX_EVENT_STREAMS,
  REQUEST_TIMEOUT_MS,
} from "../../src/http/HttpLimits.ts"
import { routes } from "../../src/http/routes.ts"
import { FIXTURES, startDaemon, TOKEN, waitFor, waitForView, type Daemon } from "../support/daemon.ts"
import { cleanup, openSse, type SseReader } from "./client.ts"

const daemons: Array<Daemon> = []
const pids: Array<number> = []
let d: Daemon

beforeAll(async () => {
  d = await startDaemon({
    body: `[services.sl]\ncommand = "${FIXTURES}/sleeper.sh"\n[supervisors.grp]\nchildren = ["sl"]\n`,
  })
  daemons.push(d)
  pids.push((await waitForView(d, "sl", "running", (v) => v.state === "running")).pid)
})

afterAll(async () => {
  // Every restart in this file leaves a new pid; the last one is the one to clean up.
  pids.push((await waitForView(d, "sl", "running", (v) => v.state === "running")).pid)
  await cleanup(daemons, pids)
})

const auth = { authorization: `Bearer ${TOKEN}` }

/** The test context's `onTestFinished`: each test closes what it opened, even when tests run concurrently. */
type Cleanup = (fn: OnTestFinishedHandler) => void

const open = (cleanup: Cleanup): Promise<Socket> =>
  new Promise((done, fail) => {
    const socket = connect(d.port, "127.0.0.1", () => done(socket))
    cleanup(() => void socket.destroy())
    // Before the connect: the test fails. After: a reset the test provoked, seen by its close.
    socket.on("error", fail)
  })

/** `promise`, or a failure naming `what` after `ms`. */
const within = <A>(ms: number, what: string, promise: Promise<A>): Promise<A> =>
  new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    promise.then(done, fail).finally(() => clearTimeout(timer))
  })

interface Closed {
  /** Everything the server wrote before it closed the connection. */
  readonly answer: string
  /** When it closed (Date.now()). */
  readonly at: number
}

/** Resolves when the server closes `socket`, with what it wrote. */
const closedBy = (socket: Socket): Promise<Closed> =>
  new Promise((done) => {
    let answer = ""
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()))
    socket.once("close", () => done({ answer, at: Date.now() }))
  })

/**
 * Sends `head` at once, then `tail` one byte every `everyMs`, as a slowloris client does. Node
 * counts its request deadlines from a request's first byte, and from the connection before it.
 */
const trickle = async (cleanup: Cleanup, head: string, tail: string, everyMs: number) => {
  const socket = await open(cleanup)
  const start = Date.now()
  const closed = closedBy(socket)
  socket.write(head)
  let sent = 0
  const timer = setInterval(() => {
    if (sent < tail.length && !socket.destroyed) socket.write(tail[sent++] ?? "")
  }, everyMs)
  const { answer, at } = await closed
  clearInterval(timer)
  return { answer, ms: at - start, sent }
}

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
}

/** One request on `socket` (already connected), read to its end. */
const ask = (socket: Socket, method: string, path: string): Promise<Answer> =>
  new Promise((done, fail) => {
    const req = request({ createConnection: () => socket, method, path, headers: auth }, (res) => {
      let body = ""
      res.on("data", (chunk: Buffer) => (body += chunk.toString()))
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on("error", fail)
    req.end()
  })

/** A request on a fresh connection; a GET is read only up to its headers (event streams never end). */
const answer = (method: "GET" | "HEAD", path: string): Promise<Answer> =>
  new Promise((done, fail) => {
    const req = request(
      { host: "127.0.0.1", port: d.port, method, path, headers: auth, agent: false },
      (res) => {
        const head = { status: res.statusCode ?? 0, headers: res.headers }
        if (method === "GET") {
          res.destroy()
          done({ ...head, body: "" })
          return
        }
        let body = ""
        res.on("data", (chunk: Buffer) => (body += chunk.toString()))
        res.on("end", () => done({ ...head, body }))
      },
    )
    req.on("error", fail)
    req.end()
  })

const sse = async (cleanup: Cleanup, path: string): Promise<SseReader> => {
  const reader = await openSse(`${d.url}${path}`)
  cleanup(() => reader.close())
  return reader
}

// The three slow clients share the same 10 s of waiting.
describe.concurrent("slow clients", () => {
  it("disconnects a client sending its headers 1 byte every 5 s after about 10 s, while an event stream opened before stays live", async ({
    onTestFinished,
  }) => {
    const events = await sse(onTestFinished, "/api/events")
    expect(events.status).toBe(200)
    await events.next("snapshot", (f) => f.event === "service" && f.data.name === "sl")

    const slow = await trickle(onTestFinished, "G", "ET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", 5_000)
    expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(slow.sent).toBeLessThan(4)
    expect(slow.ms).toBeGreaterThan(HEADERS_TIMEOUT_MS - 1_000)
    expect(slow.ms).toBeLessThan(HEADERS_TIMEOUT_MS + 3_000)

    // The stream is older than both request timeouts and still delivers changes.
    const mark = events.frames.length
    expect((await d.api("POST", "/api/services/sl/restart")).status).toBe(202)
    await events.next(
      "sl restarted",
      (f) =>
        f.event === "service" && f.data.name === "sl" && f.data.state === "running" && f.data.restarts > 0,
      mark,
    )
  })

  it("disconnects a client whose request body trickles in (1 byte every 2 s) after about 10 s", async ({
    onTestFinished,
  }) => {
    const body = JSON.stringify({ name: "never", command: `${FIXTURES}/sleeper.sh` })
    const head =
      `POST /api/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`
    const slow = await trickle(onTestFinished, head, body, 2_000)
    expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(slow.sent).toBeLessThan(body.length)
    expect(slow.ms).toBeGreaterThan(REQUEST_TIMEOUT_MS - 1_000)
    expect(slow.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 3_000)
    expect((await d.api("GET", "/api/services/never")).status).toBe(404)
  })

  it("closes an idle keep-alive connection after about 5 s", async ({ onTestFinished }) => {
    const socket = await open(onTestFinished)
    const closed = closedBy(socket)
    socket.write("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    await within(5_000, "the answer", once(socket, "data"))
    const answered = Date.now()
    const idle = await closed
    expect(idle.answer).toMatch(/^HTTP\/1\.1 200 [^]*keep-alive/i)
    // Node waits one more second than it announces (Keep-Alive: timeout=5), so clients close first.
    expect(idle.at - answered).toBeGreaterThan(KEEP_ALIVE_TIMEOUT_MS - 500)
    expect(idle.at - answered).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 3_000)
  })
})

describe("caps", () => {
  it(`answers 503 with a sentence to the event stream past ${MAX_EVENT_STREAMS}, while the open ones keep streaming`, async ({
    onTestFinished,
  }) => {
    const streams: Array<SseReader> = []
    for (let i = 0; i < MAX_EVENT_STREAMS; i++) {
      const reader = await sse(onTestFinished, i % 2 === 0 ? "/api/events" : "/api/services/sl/logs/stream")
      expect(reader.status).toBe(200)
      streams.push(reader)
    }
    for (const path of ["/api/events", "/api/services/sl/logs/stream"]) {
      const refused = await d.api("GET", path)
      expect(refused.status).toBe(503)
      expect(refused.headers.get("retry-after")).toBe("5")
      expect(await refused.json()).toEqual({
        error: expect.stringContaining(`limit of ${MAX_EVENT_STREAMS} clients`),
        details: [],
      })
    }

    const [events, logs] = [streams[0], streams[1]]
    if (events === undefined || logs === undefined) throw new Error("no streams opened")
    const [eventMark, logMark] = [events.frames.length, logs.frames.length]
    expect((await d.api("POST", "/api/services/sl/restart")).status).toBe(202)
    const restarted = await events.next(
      "sl running again",
      (f) =>
        f.event === "service" && f.data.name === "sl" && f.data.state === "running" && f.data.pid !== null,
      eventMark,
    )
    await logs.next(
      "the new sleeper's line",
      (f) => f.data.text === `sleeper up ${restarted.data.pid}`,
      logMark,
    )

    // A closed stream gives its place back.
    events.close()
    await waitFor("a place for a new stream", async () => {
      const response = await d.api("GET", "/api/events")
      await response.body?.cancel()
      return response.status === 200 ? true : undefined
    })
  })

  it(`answers 503 to a connection past ${MAX_CONNECTIONS} and drops those past ${HARD_CONNECTION_LIMIT}, while admitted ones are served`, async ({
    onTestFinished,
  }) => {
    const held: Array<Socket> = []
    for (let i = 0; i <= HARD_CONNECTION_LIMIT; i++) held.push(await open(onTestFinished))
    const [first, extra, flood] = [held[0], held[MAX_CONNECTIONS], held[HARD_CONNECTION_LIMIT]]
    if (first === undefined || extra === undefined || flood === undefined) throw new Error("sockets missing")

    // Past the hard limit: closed as accepted, without a word. Waiting for it also means every
    // socket before it has been accepted (in order), so the ones below are counted.
    const dropped = await within(5_000, "the socket past the hard limit to be closed", closedBy(flood))
    expect(dropped.answer).toBe("")

    const refused = await ask(extra, "GET", "/api/health")
    expect(refused.status).toBe(503)
    expect(refused.headers["retry-after"]).toBe("5")
    expect(refused.headers.connection).toBe("close")
    expect(JSON.parse(refused.body)).toEqual({
      error: `Dockless is serving its limit of ${MAX_CONNECTIONS} connections at once; retry in a few seconds`,
      details: [],
    })
    expect((await ask(first, "GET", "/api/health")).status).toBe(200)

    for (const socket of held) socket.destroy()
    await waitFor("a new connection to be served", async () => {
      const response = await answer("GET", "/api/health")
      return response.status === 200 ? true : undefined
    })
  })
})

describe("HEAD", () => {
  /** Realistic URLs for a route path: a real service name, and a few of the dashboard's files. */
  const samples = (path: string): Array<string> => {
    if (path === "/**") return ["/", "/style.css", "/vendor/alpine.min.js"]
    const url = path.replace(":name", path.startsWith("/api/groups/") ? "grp" : "sl")
    if (url.includes(":")) throw new Error(`no sample value for a parameter of ${path}; add one here`)
    return [url]
  }

  it("answers HEAD on every GET route like GET, without a body", async () => {
    const checked: Array<string> = []
    for (const route of routes.filter((r) => r.method === "GET")) {
      for (const url of samples(route.path)) {
        checked.push(url)
        const get = await answer("GET", url)
        const head = await answer("HEAD", url)
        expect({ url, status: get.status }).toEqual({ url, status: 200 })
        expect({ url, status: head.status, type: head.headers["content-type"], body: head.body }).toEqual({
          url,
          status: 200,
          type: get.headers["content-type"],
          body: "",
        })
      }
    }
    expect(checked).toEqual(expect.arrayContaining(["/api/health", "/api/events", "/metrics", "/"]))
    expect((await answer("HEAD", "/api/services/nope")).status).toBe(404)
    expect((await answer("HEAD", "/nope.txt")).status).toBe(404)
  })

  it("gives back the event-stream place a HEAD took", async () => {
    for (let i = 0; i <= MAX_EVENT_STREAMS; i++) {
      expect(
        (await answer("HEAD", i % 2 === 0 ? "/api/events" : "/api/services/sl/logs/stream")).status,
      ).toBe(200)
    }
    // Each HEAD ended its stream before answering; the interruption itself is asynchronous.
    await waitFor("a place for a new stream", async () => {
      const response = await d.api("GET", "/api/events")
      await response.body?.cancel()
      return response.status === 200 ? true : undefined
    })
  })
})
