// POST /api/reload: config.toml read again and applied where it changed (src/supervisors/Reload.ts).
// An invalid file is answered 400 with every problem, and changes nothing.
import { Effect } from "effect"
import { RootSupervisor } from "../supervisors/RootSupervisor.ts"
import * as Api from "./ApiSchema.ts"
import { answer } from "./Answers.ts"
import type { Handler } from "./HttpContext.ts"

const reloadAnswer = answer(Api.ReloadAnswer)

export const reloadConfig: Handler = () =>
  Effect.gen(function* () {
    return reloadAnswer(200, yield* (yield* RootSupervisor).reload)
  })
