// What a group supervisor's mailbox carries, and the face it shows (GET /api/groups): its
// members' reports (past tense, from inside the tree) and a person's commands for the whole
// group (imperative, with a reply), and the group's state derived from its members' views.
import { Data, type Deferred } from "effect"
import type { ServiceView } from "../actors/ServiceView.ts"
import type { Strategy } from "../config/Config.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import type { ChildReport } from "./ServiceAction.ts"

export type GroupCommand = "start" | "stop" | "restart"

/**
 * `failed`: it gave up (past its intensity) until a person starts it; `running`: every member
 * runs; `stopped`: none runs or waits to; `degraded`: anything between (starting, restarting,
 * some members stopped).
 */
export type GroupState = "running" | "stopped" | "degraded" | "failed"

export interface GroupView {
  readonly name: string
  readonly strategy: Strategy
  readonly children: ReadonlyArray<string>
  readonly state: GroupState
  readonly error: string | null
}

export type GroupMessage = Data.TaggedEnum<{
  Reported: { readonly report: ChildReport }
  Commanded: { readonly command: GroupCommand; readonly reply: Deferred.Deferred<GroupView> }
  /** A reload changed these members' specs: answers the members restarted for it. */
  Reconfigured: {
    readonly specs: ReadonlyArray<ServiceSpec>
    readonly reply: Deferred.Deferred<ReadonlyArray<string>>
  }
}>
export const GroupMessage = Data.taggedEnum<GroupMessage>()

const AT_REST = new Set(["stopped", "exited", "failed"])

export const groupState = (
  failure: string | undefined,
  members: ReadonlyArray<ServiceView | undefined>,
): GroupState => {
  if (failure !== undefined) return "failed"
  if (members.every((m) => m?.state === "running")) return "running"
  if (members.every((m) => m === undefined || AT_REST.has(m.state))) return "stopped"
  return "degraded"
}
