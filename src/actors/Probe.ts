// Health checks: one probe of a service, http (a 2xx or 3xx answer), tcp (a connection on
// 127.0.0.1) or exec (a command that exits 0, run without a shell in its own process group),
// each bounded by its timeout. A probe never fails as an Effect: its answer is data.
import { connect } from "node:net"
import type { Readable } from "node:stream"
import { Effect } from "effect"
import type { HealthCheck } from "../config/ServiceSpec.ts"
import { spawn, type SpawnRequest } from "./ProcessRunner.ts"

export type ProbeResult = { readonly _tag: "Passed" } | { readonly _tag: "Failed"; readonly reason: string }

const passed: ProbeResult = { _tag: "Passed" }
const failed = (reason: string): ProbeResult => ({ _tag: "Failed", reason })

/** Whether an answer's status passes: a health check takes 2xx and 3xx, readiness 2xx only. */
export type StatusPasses = (status: number) => boolean

const healthyStatus: StatusPasses = (status) => status >= 200 && status < 400

export const httpProbe = (url: string, passes: StatusPasses = healthyStatus) =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { signal, redirect: "manual" }),
    catch: (error) =>
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error),
  }).pipe(
    Effect.map((response) => {
      void response.body?.cancel()
      return passes(response.status) ? passed : failed(`GET ${url} answered ${response.status}`)
    }),
    Effect.catchAll((reason) => Effect.succeed(failed(`GET ${url} failed: ${reason}`))),
  )

export const tcpProbe = (port: number) =>
  Effect.async<ProbeResult>((resume) => {
    const socket = connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(passed))
    })
    socket.once("error", (error) => resume(Effect.succeed(failed(`tcp 127.0.0.1:${port}: ${error.message}`))))
    return Effect.sync(() => socket.destroy())
  })

const closed = (stream: Readable) =>
  Effect.async<void>((resume) => {
    if (stream.closed) return resume(Effect.void)
    stream.once("close", () => resume(Effect.void))
  })

const execProbe = (command: ReadonlyArray<string>, base: Omit<SpawnRequest, "command" | "args">) =>
  Effect.scoped(
    Effect.gen(function* () {
      const [program = "", ...args] = command
      const proc = yield* spawn({ ...base, command: program, args, stopSignal: "SIGKILL", stopTimeoutMs: 0 })
      let said = ""
      const keep = (chunk: Buffer) => (said = (said + chunk.toString()).slice(-200))
      proc.stdout.on("data", keep)
      proc.stderr.on("data", keep)
      const exit = yield* proc.exit
      // What it printed may arrive after its exit; the whole probe is bounded by its timeout.
      yield* Effect.all([closed(proc.stdout), closed(proc.stderr)], { concurrency: 2 })
      if (exit.code === 0) return passed
      const how =
        exit.signal === null ? `exited with code ${exit.code ?? "?"}` : `was killed by ${exit.signal}`
      return failed(`${command.join(" ")} ${how}${said.trim() === "" ? "" : `: ${said.trim()}`}`)
    }),
  ).pipe(Effect.catchTag("SpawnFailed", (error) => Effect.succeed(failed(error.message))))

export const probe = (
  check: HealthCheck,
  timeoutMs: number,
  execBase: Omit<SpawnRequest, "command" | "args">,
): Effect.Effect<ProbeResult> => {
  const attempt =
    check._tag === "http"
      ? httpProbe(check.url)
      : check._tag === "tcp"
        ? tcpProbe(check.port)
        : execProbe(check.command, execBase)
  return attempt.pipe(
    Effect.timeoutTo({
      duration: timeoutMs,
      onSuccess: (result) => result,
      onTimeout: () => failed(`${check._tag} check timed out after ${timeoutMs}ms`),
    }),
  )
}
