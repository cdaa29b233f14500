// `dockless start|stop|restart NAME` (or `--group GROUP`): sends the message to the service's
// actor (or the group's supervisor) through the running daemon and prints the state it
// answered with. Exit 3 for an unknown service or group.
import { Console, Effect } from "effect"
import type { Command } from "../supervisors/ServiceEvent.ts"
import { apiError, connect, ClientFailed } from "./Client.ts"

export const control = (configPath: string | undefined, command: Command, name: string) =>
  send(configPath, command, name, `/api/services/${encodeURIComponent(name)}/${command}`)

export const controlGroup = (configPath: string | undefined, command: Command, group: string) =>
  send(configPath, command, `group ${group}`, `/api/groups/${encodeURIComponent(group)}/${command}`)

const send = (configPath: string | undefined, command: Command, name: string, path: string) =>
  Effect.gen(function* () {
    const daemon = yield* connect(configPath)
    const response = yield* daemon.request("POST", path)
    if (response.status === 404)
      return yield* new ClientFailed({ message: yield* apiError(response), code: 3 })
    if (!response.ok) return yield* new ClientFailed({ message: yield* apiError(response), code: 1 })
    const view: unknown = yield* Effect.promise(() => response.json())
    const state = typeof view === "object" && view !== null && "state" in view ? String(view.state) : "?"
    yield* Console.log(`${name}: ${command} sent (now ${state})`)
    return 0
  })
