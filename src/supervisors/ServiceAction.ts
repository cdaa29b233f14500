// What a transition asks its interpreter to do, in order: data only, so the whole behaviour of
// a service can be read and tested as `state × event → state + actions` (s6-supervise's table).
import { Data } from "effect"
import type { JobRun } from "../actors/ServiceView.ts"
import type { Desired } from "../state/Store.ts"
import type { DownReply, Reply } from "./ServiceEvent.ts"

/**
 * How a spawn relates to the tree's spawn budget: `free` for a person's start, boot and group
 * restarts; `ask` for a restart after a crash; `reserved` when the budget granted this moment.
 */
export type Budget = "free" | "ask" | "reserved"

/** What a service tells its owner (a group, or the root). */
export type ChildReport = Data.TaggedEnum<{
  /** Crashed and must restart, and its group decides how (one_for_all, rest_for_one). */
  Crashed: { readonly name: string }
  /** Crashed and restarts by itself; a one_for_one group counts it against its intensity. */
  Restarting: { readonly name: string }
  /** Reached its own intensity and failed (a service alone): the root counts it against its own. */
  GaveUp: { readonly name: string; readonly reason: string }
}>

export const ChildReport = Data.taggedEnum<ChildReport>()

export type ServiceAction = Data.TaggedEnum<{
  /** Comes first when present: if the desired state cannot be saved, nothing of the transition happens. */
  PersistDesired: { readonly desired: Desired }
  Spawn: { readonly run: number; readonly budget: Budget }
  Signal: { readonly signal: NodeJS.Signals }
  ArmBackoff: { readonly epoch: number; readonly delay: number }
  CancelBackoff: {}
  ArmStopOverdue: { readonly run: number; readonly delay: number }
  ArmKillOverdue: { readonly run: number; readonly delay: number }
  /** Bounds the wait for the run's `ready` condition (start_timeout): ReadyTimedOut when it passes. */
  ArmStartTimeout: { readonly run: number; readonly delay: number }
  /** (Re)arms the run's watchdog: WatchdogMissed for `ping` after `delay`, replacing the one armed before. */
  ArmWatchdog: { readonly run: number; readonly ping: number; readonly delay: number }
  /** The run's process has ended: release its scope (pipes, timers, stragglers of its group). */
  EndRun: { readonly run: number }
  /** One of Dockless's own lines in the service's log. */
  Note: { readonly text: string }
  /** A line in Dockless's own log (journald), for what cannot go to the service's log. */
  Log: { readonly level: "info" | "warning"; readonly text: string }
  /** Remember pid and start time for crash recovery (not acknowledged to anyone: written lazily). */
  RecordRun: { readonly pid: number; readonly startedAt: number }
  Report: { readonly report: ChildReport }
  Reply: { readonly reply: Reply }
  Release: { readonly waiters: ReadonlyArray<DownReply> }
  Publish: {}
  /** Wake the job at its next firing, `delay` ms from now (Fired of `epoch`). */
  ArmFiring: { readonly epoch: number; readonly delay: number }
  CancelFiring: {}
  /** Remember a job's next firing (null: paused) and its runs across restarts (written lazily). */
  RecordJob: { readonly nextAt: number | null; readonly runs: ReadonlyArray<JobRun> }
  /** The supervisor is done (after Close): its loop ends and its mailbox is drained. */
  End: {}
}>

export const ServiceAction = Data.taggedEnum<ServiceAction>()
