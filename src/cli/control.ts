// `dockless start|stop|restart NAME`: sends the message to the service's actor through the
// running daemon and prints the state it answered with. Exit 3 for an unknown service.
import { Console, Effect } from "effect"
import type { Command } from "../supervisors/ServiceEvent.ts"
import { apiError, connect, ClientFailed } from "./Client.ts"

export const control = (configPath: string | undefined, command: Command, name: string) =>
  Effect.gen(function* () {
    const daemon = yield* connect(configPath)
    const response = yield* daemon.request("POST", `/api/services/${encodeURIComponent(name)}/${command}`)
    if (response.status === 404)
      return yield* new ClientFailed({ message: yield* apiError(response), code: 3 })
    if (!response.ok) return yield* new ClientFailed({ message: yield* apiError(response), code: 1 })
    const view: unknown = yield* Effect.promise(() => response.json())
    const state = typeof view === "object" && view !== null && "state" in view ? String(view.state) : "?"
    yield* Console.log(`${name}: ${command} sent (now ${state})`)
    return 0
  })
