// /api/groups: the [supervisors.NAME] groups of config.toml, their state, and a person's start,
// stop or restart of a whole group (members in start order, each once the one before it runs;
// stopped in reverse order). Like services.ts, handlers only send the tree a message.
import { Effect } from "effect"
import { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import type { GroupCommand } from "../supervisors/GroupMessage.ts"
import * as Api from "./ApiSchema.ts"
import { answer } from "./Answers.ts"
import { param, type Handler } from "./HttpContext.ts"

const groupsAnswer = answer(Api.GroupViews)
const groupAnswer = answer(Api.GroupView)

export const listGroups: Handler = () =>
  Effect.gen(function* () {
    return groupsAnswer(200, yield* (yield* RootSupervisor).groups)
  })

export const getGroup: Handler = (event) =>
  Effect.gen(function* () {
    return groupAnswer(200, yield* (yield* RootSupervisor).group(param(event, "name")))
  })

export const commandGroup =
  (command: GroupCommand): Handler =>
  (event) =>
    Effect.gen(function* () {
      const view = yield* (yield* RootSupervisor).groupCommand(param(event, "name"), command)
      return groupAnswer(202, view)
    })
