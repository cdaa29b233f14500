// notifyReady against a fake systemd: a python3 unix datagram socket standing in for
// $NOTIFY_SOCKET that reports each message with its SCM_CREDENTIALS sender PID, which is what
// systemd checks for NotifyAccess=main. Fake systemd-notify scripts on PATH cover the no-op and
// the failure paths.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises"
import { existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterEach } from "vitest"
import { notifyReady } from "../../src/cli/notify.ts"

const listenerScript = `
import array, json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    data, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    pid = None
    for level, kind, cdata in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", cdata[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(cdata[: len(cdata) - len(cdata) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"pid": pid, "data": data.decode()}), flush=True)
`

const has = (command: string): boolean => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0
const haveSystemdNotify = has("systemd-notify")
const havePython = has("python3")

interface Received {
  readonly pid: number | null
  readonly data: string
}

let listener: ChildProcess | undefined
let dir: string | undefined
const savedEnv = { NOTIFY_SOCKET: process.env.NOTIFY_SOCKET, PATH: process.env.PATH }

afterEach(async () => {
  if (listener?.pid !== undefined && listener.exitCode === null) process.kill(listener.pid, "SIGKILL")
  listener = undefined
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

const tempDir = async (): Promise<string> => {
  dir = await mkdtemp(join(tmpdir(), "dockless-notify-"))
  return dir
}

/** Starts the fake systemd socket; resolves once it is bound, with the messages received so far. */
const fakeSystemd = async (socketPath: string): Promise<Array<Received>> => {
  const received: Array<Received> = []
  listener = spawn("python3", ["-c", listenerScript, socketPath], { stdio: ["ignore", "pipe", "inherit"] })
  const lines = createInterface({ input: listener.stdout! })
  await new Promise<void>((resolve, reject) => {
    listener!.once("exit", (code) => reject(new Error(`the python3 listener exited early (${code})`)))
    lines.on("line", (line) => {
      if (line === "listening") resolve()
      else received.push(JSON.parse(line))
    })
  })
  return received
}

/** A stand-in systemd-notify on PATH that runs the given shell body. */
const fakeSystemdNotify = async (binDir: string, body: string): Promise<void> => {
  const file = join(binDir, "systemd-notify")
  await writeFile(file, `#!/bin/sh\n${body}\n`)
  await chmod(file, 0o755)
  process.env.PATH = `${binDir}:${savedEnv.PATH ?? ""}`
}

const withCapturedLogs = <A, E>(effect: Effect.Effect<A, E>, logs: Array<string>) =>
  effect.pipe(
    Effect.provide(
      Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message }) => logs.push(String(message))),
      ),
    ),
  )

describe("notifyReady", () => {
  it.live("does nothing when NOTIFY_SOCKET is unset", () =>
    Effect.gen(function* () {
      const bin = yield* Effect.promise(tempDir)
      const marker = join(bin, "called")
      yield* Effect.promise(() => fakeSystemdNotify(bin, `touch ${marker}`))
      delete process.env.NOTIFY_SOCKET
      const logs: Array<string> = []
      yield* withCapturedLogs(notifyReady, logs)
      expect(existsSync(marker)).toBe(false)
      expect(logs).toEqual([])
    }),
  )

  it.live.skipIf(!haveSystemdNotify || !havePython)(
    "sends READY=1 to NOTIFY_SOCKET with the calling process as sender (needs systemd-notify and python3)",
    () =>
      Effect.gen(function* () {
        const socketPath = join(yield* Effect.promise(tempDir), "notify.sock")
        const received = yield* Effect.promise(() => fakeSystemd(socketPath))
        process.env.NOTIFY_SOCKET = socketPath
        const logs: Array<string> = []
        yield* withCapturedLogs(notifyReady, logs)
        expect(logs).toEqual([])
        const ready = received.find((m) => m.data.split("\n").includes("READY=1"))
        expect(ready).toBeDefined()
        // Only root may speak for another PID; systemd then sees dockless itself as the sender.
        if (process.getuid?.() === 0) expect(ready?.pid).toBe(process.pid)
      }),
  )

  it.live("logs a warning and succeeds when systemd-notify fails", () =>
    Effect.gen(function* () {
      const bin = yield* Effect.promise(tempDir)
      yield* Effect.promise(() => fakeSystemdNotify(bin, `echo "no socket here" >&2; exit 1`))
      process.env.NOTIFY_SOCKET = join(bin, "missing.sock")
      const logs: Array<string> = []
      yield* withCapturedLogs(notifyReady, logs)
      expect(logs).toHaveLength(1)
      expect(logs[0]).toContain("could not tell systemd that dockless is ready")
      expect(logs[0]).toContain("no socket here")
    }),
  )
})
