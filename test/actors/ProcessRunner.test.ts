// A process launched outside any fiber (a restart taken in its predecessor's exit callback),
// with real processes: an end that came before a scope adopted it is reported at the adoption,
// the adopting scope's close ends its whole group, and one nobody adopts is killed by discard.
import { Effect, Exit, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { OutputCapture } from "../../src/actors/OutputCapture.ts"
import { launch, type ExitInfo, type Launched, type SpawnRequest } from "../../src/actors/ProcessRunner.ts"
import { isAlive, waitFor } from "../support/daemon.ts"

const capture = new OutputCapture({ file: undefined })
/** Socket pairs for one process's output, once two are ready (they are made ahead, a few at a time). */
const pairs = () => waitFor("two socket pairs ready", () => capture.pipes())
const launched: Array<Launched> = []

const request = (command: string, args: ReadonlyArray<string>): SpawnRequest => ({
  command,
  args,
  cwd: undefined,
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  via: [],
  stopSignal: "SIGTERM",
  stopTimeoutMs: 1000,
})

const launchNow = async (command: string, args: ReadonlyArray<string>) => {
  const output = await pairs()
  const proc = launch(request(command, args), output)
  output.close()
  if (proc === undefined) throw new Error(`${command} did not start`)
  launched.push(proc)
  return proc
}

const gone = (pid: number) => waitFor(`pid ${pid} gone`, () => (isAlive(pid) ? undefined : true))

/**
 * Whether `pid` was reaped: Node waits for a child and emits its 'exit' in the same callback,
 * so once the pid is gone (not a zombie any more) the process's end has been seen.
 */
const reaped = (pid: number) => {
  try {
    process.kill(pid, 0)
    return false
  } catch {
    return true
  }
}

/** Whether any process is left in the group `pgid` leads. */
const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

afterAll(async () => {
  for (const proc of launched) {
    proc.discard()
    await gone(proc.pid)
  }
})

describe("launch", () => {
  it("reports at the adoption an end that came before it", async () => {
    const proc = await launchNow("sh", ["-c", "exit 7"])
    await waitFor(`pid ${proc.pid} reaped`, () => (reaped(proc.pid) ? true : undefined))
    const ends: Array<ExitInfo> = []
    const scope = Effect.runSync(Scope.make())
    await Effect.runPromise(proc.adopt((exit) => ends.push(exit)).pipe(Scope.extend(scope)))
    expect(ends).toEqual([{ code: 7, signal: null }])
    await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  it("is stopped with its whole group when the scope that adopted it closes", async () => {
    const proc = await launchNow("sh", ["-c", "sleep 30 & sleep 30"])
    const ends: Array<ExitInfo> = []
    const scope = Effect.runSync(Scope.make())
    await Effect.runPromise(proc.adopt((exit) => ends.push(exit)).pipe(Scope.extend(scope)))
    expect(ends).toEqual([])
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await gone(proc.pid)
    await waitFor(`group ${proc.pid} gone`, () => (groupAlive(proc.pid) ? undefined : true))
    expect(ends).toEqual([{ code: null, signal: "SIGTERM" }])
  })

  it("is killed by discard when nobody adopts it", async () => {
    const proc = await launchNow("sleep", ["30"])
    expect(isAlive(proc.pid)).toBe(true)
    proc.discard()
    await gone(proc.pid)
  })

  it("answers undefined for a command that cannot start", async () => {
    const output = await pairs()
    expect(launch(request("/nonexistent/dockless-test", []), output)).toBeUndefined()
    output.close()
  })
})
