// What a service supervisor's mailbox carries. Commands from people (Start, Stop, Restart,
// Update) and requests from its owners (Resume, Launch, Halt, GiveUp, Close) are imperative and carry
// a reply; what happened to its worker and timers is past tense (Spawned, Exited,
// HealthChecked, BackoffElapsed, StopOverdue) and tagged with the run or timer epoch it
// belongs to, so a late event of an earlier run or a cancelled timer is recognised and ignored.
import { Data, type Deferred } from "effect"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import type { Notice } from "../actors/NotifyMessage.ts"
import type { ProbeResult } from "../actors/Probe.ts"
import type { ExitInfo } from "../actors/ProcessRunner.ts"
import type { ServiceView } from "../actors/ServiceView.ts"
import type { StateFileUnwritable } from "../state/AtomicFile.ts"
import type { Hold } from "./ServiceModel.ts"
import type { ServiceClosing } from "./SupervisorErrors.ts"

/** The answer to a command: the view once it is carried out, or why it was not (the disk, a close). */
export type Reply = Deferred.Deferred<ServiceView, StateFileUnwritable | ServiceClosing>
/** The answer to an owner's request that ends the process: completes once it is gone. */
export type DownReply = Deferred.Deferred<void>

export type ServiceEvent = Data.TaggedEnum<{
  Start: { readonly reply: Reply }
  Stop: { readonly reply: Reply }
  Restart: { readonly reply: Reply }
  Update: { readonly spec: ServiceSpec; readonly port: number | undefined; readonly reply: Reply }
  /** The owner lets it start: at boot once what it waits for runs, or in a group restart. */
  Resume: { readonly reply: Reply }
  /** A person started its whole group: like Start, and it also takes the group's hold off. */
  Launch: { readonly reply: Reply }
  /**
   * Its group stops it for a group restart, or the root because a dependency failed or was
   * stopped: stopped, desired state kept, held (with `why` shown) until resumed.
   */
  Halt: { readonly why: string; readonly by: Hold["by"]; readonly reply: DownReply }
  /** Its group gave up: stopped and failed with the reason. */
  GiveUp: { readonly reason: string; readonly reply: DownReply }
  /** Its owner terminates it for good (shutdown, delete). */
  Close: { readonly why: string; readonly reply: DownReply }
  /** A fault seen from outside (memory_max): stop it and judge the end as a crash. */
  Fault: { readonly reason: string }
  /** The outcomes of a Spawn action, each tagged with the run it was for. */
  Spawned: { readonly run: number; readonly pid: number; readonly startedAt: number }
  /** `unit`: a random number in [0, 1) for the backoff's jitter, as for Exited. */
  SpawnRefused: { readonly run: number; readonly reason: string; readonly unit: number }
  PortBusy: { readonly run: number; readonly error: string }
  /** The spawn budget is spent: the restart may happen at `until`, reserved for it. */
  SpawnDeferred: { readonly run: number; readonly until: number }
  /** `unit` is a random number in [0, 1) for the backoff's jitter, drawn by the interpreter. */
  Exited: { readonly run: number; readonly exit: ExitInfo; readonly unit: number }
  HealthChecked: { readonly run: number; readonly result: ProbeResult; readonly at: number }
  BackoffElapsed: { readonly epoch: number }
  StopOverdue: { readonly run: number }
  KillOverdue: { readonly run: number }
  /** A person's "Run now": one run of a oneshot, by its overlap rule when one still goes. */
  RunNow: { readonly reply: Reply }
  /** Its schedule's timer of `epoch` went off (maybe early: long waits are cut into slices). */
  Fired: { readonly epoch: number }
  /** Its log file became unwritable (with the reason) or writable again (null). */
  LogErrorChanged: { readonly error: string | null }
  /** The run met its `ready` condition; `how` says what was seen ("port 8080 accepts"). */
  Readied: { readonly run: number; readonly how: string }
  /** The run was not ready within start_timeout. */
  ReadyTimedOut: { readonly run: number }
  /** A process of the run's group sent STATUS, MAINPID, STOPPING or WATCHDOG=1 (READY=1 comes as Readied). */
  Notified: { readonly run: number; readonly notice: Notice }
  /** No WATCHDOG=1 within `watchdog` since the run's `ping`-th one (or since it became running). */
  WatchdogMissed: { readonly run: number; readonly ping: number }
}>

export const ServiceEvent = Data.taggedEnum<ServiceEvent>()

/** The commands a person (through the API or CLI) can send. */
export type Command = "start" | "stop" | "restart"
