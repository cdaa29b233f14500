// A restart decided in the exit callback: it launches a real process exactly when the loop's
// own transition would spawn at once, carries that very transition for the loop to carry out,
// and launches nothing (reserves nothing) whenever the loop's spawn would do something else first.
import { describe, expect, it } from "vitest"
import { OutputCapture } from "../../src/actors/OutputCapture.ts"
import { launch, type SpawnRequest } from "../../src/actors/ProcessRunner.ts"
import { spawnRequest } from "../../src/actors/SpawnPlan.ts"
import { decodeServiceSpec, defaultLog } from "../../src/config/ServiceSpec.ts"
import { restartAhead, type Ahead, type AheadSteps } from "../../src/supervisors/RestartAhead.ts"
import { ServiceEvent } from "../../src/supervisors/ServiceEvent.ts"
import type { ServiceModel } from "../../src/supervisors/ServiceModel.ts"
import { transition } from "../../src/supervisors/ServiceTransition.ts"
import { isAlive, waitFor } from "../support/daemon.ts"
import { NOW, STATES } from "./transitionCells.ts"

const exited = ServiceEvent.Exited({ run: 3, exit: { code: 1, signal: null }, unit: 0.5 })
const capture = new OutputCapture({ file: undefined })
/** Socket pairs for one process's output, once two are ready (they are made ahead, a few at a time). */
const pairs = () => waitFor("two socket pairs ready", () => capture.pipes())

/**
 * Real steps that launch `sleep` with its output on a capture's socket pairs, counting the
 * launches and budget reservations asked for; `done` closes our ends of the pairs.
 */
const realSteps = async (over: Partial<AheadSteps> = {}) => {
  const output = await pairs()
  const asked = { launches: 0, budget: 0 }
  const steps: AheadSteps = {
    request: (model, run) => {
      const request = spawnRequest(model.spec, model.port, { instance: "test", run: `test/0/svc/${run}` })
      return typeof request === "string" ? request : { ...request, command: "sleep", args: ["30"] }
    },
    portsFree: () => true,
    budgetNow: () => {
      asked.budget++
      return true
    },
    launch: (request: SpawnRequest) => {
      asked.launches++
      return launch(request, output)
    },
    ...over,
  }
  return { steps, asked, done: output.close }
}

const ended = (ahead: Ahead | undefined) => {
  if (ahead !== undefined) ahead.launched.discard()
}

const specWith = (table: Record<string, unknown>) => {
  const decoded = decodeServiceSpec(
    { command: "/bin/true", ...table },
    { name: "svc", baseDir: "/", defaults: {}, log: defaultLog, pathPrefix: "" },
  )
  if (decoded._tag === "Left") throw new Error(JSON.stringify(decoded.left))
  return decoded.right
}

const running = (STATES.find(([name]) => name === "Running/backoff 0") ?? [])[1] as ServiceModel

describe("restartAhead", () => {
  for (const [name, model] of STATES)
    it(`from ${name}, launches exactly when the transition spawns at once`, async () => {
      const { steps, asked, done } = await realSteps()
      const expected = transition(model, exited, NOW)
      const spawn = expected.actions.find((action) => action._tag === "Spawn")
      const ahead = restartAhead(model, exited, NOW, steps)
      try {
        if (spawn?._tag !== "Spawn") {
          expect(ahead).toBeUndefined()
          expect(asked.launches).toBe(0)
          return
        }
        expect(ahead?.next).toEqual(expected)
        expect(ahead?.run).toBe(spawn.run)
        expect(ahead?.basis).toBe(model)
        expect(ahead?.event).toBe(exited)
        expect(isAlive(ahead?.launched.pid ?? 0)).toBe(true)
      } finally {
        ended(ahead)
        done()
      }
    })

  it("launches nothing for a service with a ready condition or a notify socket", async () => {
    for (const table of [{ ready: { port: 8080 } }, { ready: "notify" }, { watchdog: "10s" }]) {
      const { steps, asked, done } = await realSteps()
      const model = { ...running, spec: { ...specWith(table), backoff: running.spec.backoff } }
      expect(restartAhead(model, exited, NOW, steps)).toBeUndefined()
      expect(asked).toEqual({ launches: 0, budget: 0 })
      done()
    }
  })

  it("launches nothing when the spawn budget is spent, or a port is held, or the request is refused", async () => {
    const spent = await realSteps({ budgetNow: () => false })
    expect(restartAhead(running, exited, NOW, spent.steps)).toBeUndefined()
    expect(spent.asked.launches).toBe(0)
    const held = await realSteps({ portsFree: () => false })
    expect(restartAhead(running, exited, NOW, held.steps)).toBeUndefined()
    expect(held.asked).toEqual({ launches: 0, budget: 0 })
    const refused = await realSteps({ request: () => "user nobody2 does not exist" })
    expect(restartAhead(running, exited, NOW, refused.steps)).toBeUndefined()
    expect(refused.asked).toEqual({ launches: 0, budget: 0 })
    for (const { done } of [spent, held, refused]) done()
  })

  it("answers nothing when the process cannot start, and leaves the loop's spawn to say why", async () => {
    const { steps, asked, done } = await realSteps({
      request: (model, run) => {
        const request = spawnRequest(model.spec, model.port, { instance: "test", run: `test/0/svc/${run}` })
        return typeof request === "string" ? request : { ...request, command: "/nonexistent/dockless-test" }
      },
    })
    expect(restartAhead(running, exited, NOW, steps)).toBeUndefined()
    expect(asked.launches).toBe(1)
    done()
  })
})
