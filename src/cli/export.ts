// `dockless export toml NAME`: the service's table as config.toml text, from the running
// daemon's view of it, to move a service registered through the API into the file (see
// docs/troubleshooting.md). Durations come out in milliseconds and sizes in bytes, which the
// file accepts as they are. Exit 3 for an unknown service, 1 when the daemon cannot be asked.
import { Console, Effect } from "effect"
import { serviceToml } from "../config/TomlTable.ts"
import { apiError, connect, ClientFailed } from "./Client.ts"

export const exportToml = (configPath: string | undefined, name: string) =>
  Effect.gen(function* () {
    const daemon = yield* connect(configPath)
    const response = yield* daemon.request("GET", `/api/services/${encodeURIComponent(name)}`)
    if (response.status === 404)
      return yield* new ClientFailed({ message: yield* apiError(response), code: 3 })
    if (!response.ok) return yield* new ClientFailed({ message: yield* apiError(response), code: 1 })
    const view: { name: string; source: string; spec: Parameters<typeof serviceToml>[1] } =
      yield* Effect.promise(() => response.json())
    yield* Console.log(
      [
        `# ${view.name}, exported from the running Dockless (registered through ${view.source === "api" ? "the API" : "config.toml"});`,
        "# durations are in milliseconds, sizes in bytes.",
        serviceToml(view.name, view.spec),
      ].join("\n"),
    )
    return 0
  })
