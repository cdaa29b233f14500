// What a service actor's mailbox carries. Commands from people and supervisors are imperative
// (Start, Stop, Restart, Update, Remove) and carry a reply; events from the actor's own
// process and timers are past tense (Exited, BackoffElapsed) and tagged with the run or epoch
// they belong to, so a late event from an earlier run is recognised and ignored.
import { Data, type Deferred } from "effect"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import type { ProbeResult } from "./Probe.ts"
import type { ExitInfo } from "./ProcessRunner.ts"
import type { ServiceView } from "./ServiceView.ts"

export type Reply = Deferred.Deferred<ServiceView>

export type ServiceMessage = Data.TaggedEnum<{
  Start: { readonly reply: Reply }
  Stop: { readonly reply: Reply }
  Restart: { readonly reply: Reply }
  Update: { readonly spec: ServiceSpec; readonly port: number | undefined; readonly reply: Reply }
  Fault: { readonly reason: string }
  Halt: { readonly why: string }
  Resume: {}
  GiveUp: { readonly reason: string }
  HealthChecked: { readonly run: number; readonly result: ProbeResult; readonly at: number }
  Exited: { readonly run: number; readonly exit: ExitInfo }
  BackoffElapsed: { readonly epoch: number }
  StopOverdue: { readonly run: number }
}>

export const ServiceMessage = Data.taggedEnum<ServiceMessage>()

/** The commands a person (through the API or CLI) can send. */
export type Command = "start" | "stop" | "restart"
