// `dockless reload`: asks the running daemon to read config.toml again and apply what changed
// (the same as SIGHUP, `systemctl reload dockless` and POST /api/reload), then prints what it
// did. An invalid file changes nothing: every problem is printed and the exit is 2, as `check`.
import { Console, Effect } from "effect"
import { ClientFailed, connect } from "./Client.ts"

interface Answer {
  readonly added: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
  readonly restarted: ReadonlyArray<string>
  readonly updated: ReadonlyArray<string>
  readonly kept: ReadonlyArray<string>
  readonly needs_restart: ReadonlyArray<string>
}

interface Refusal {
  readonly error?: string
  readonly details?: ReadonlyArray<{ readonly path: string; readonly message: string }>
}

const line = (what: string, names: ReadonlyArray<string>) =>
  `${what.padEnd(14)}${names.length === 0 ? "-" : names.join(", ")}`

export const reload = (configPath: string | undefined) =>
  Effect.gen(function* () {
    const daemon = yield* connect(configPath)
    const response = yield* daemon.request("POST", "/api/reload")
    if (!response.ok) {
      const body: Refusal = yield* Effect.promise(() => response.json().catch(() => ({})))
      const details = (body.details ?? []).map((d) => `  ${d.path === "" ? "" : `${d.path}: `}${d.message}`)
      return yield* new ClientFailed({
        message: [body.error ?? `the daemon answered ${response.status}`, ...details].join("\n"),
        code: response.status === 400 ? 2 : 1,
      })
    }
    const answer: Answer = yield* Effect.promise(() => response.json())
    yield* Console.log(
      [
        line("added", answer.added),
        line("removed", answer.removed),
        line("restarted", answer.restarted),
        line("updated", answer.updated),
        line("kept", answer.kept),
        ...(answer.needs_restart.length === 0
          ? []
          : [
              `needs a restart of dockless for: ${answer.needs_restart.join(", ")} (systemctl restart dockless)`,
            ]),
      ].join("\n"),
    )
    return 0
  })
