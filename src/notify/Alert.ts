// What Dockless tells a person about: a service that failed, crash-loops, turned unhealthy or
// recovered, went over memory_max, and Dockless itself starting and stopping; plus the test a
// person asks for. One tagged union, and the one place each is put into words, so a webhook, an
// ntfy message and a command's environment all say the same thing.
import { Data } from "effect"
import type { AlertKind } from "../config/NotifySpec.ts"
import { formatMs } from "../supervisors/Intensity.ts"

export type Alert = Data.TaggedEnum<{
  /** Given up on: intensity exceeded, or it cannot start and its policy does not try again. */
  Failed: { readonly service: string; readonly error: string; readonly at: number }
  CrashLoop: {
    readonly service: string
    readonly restarts: number
    readonly within: number
    readonly at: number
  }
  HealthFailing: {
    readonly service: string
    readonly failures: number
    readonly error: string | null
    readonly at: number
  }
  HealthRecovered: { readonly service: string; readonly at: number }
  MemoryMax: { readonly service: string; readonly reason: string; readonly at: number }
  DocklessStarted: { readonly services: number; readonly at: number }
  DocklessStopped: { readonly at: number }
  /** `dockless notify test` and the dashboard's "Send test": passes every filter. */
  Test: { readonly at: number }
}>
export const Alert = Data.taggedEnum<Alert>()

/** The name `events = [...]` and the payload use; "test" is never filtered. */
export const kindOf = (alert: Alert): AlertKind | "test" => {
  switch (alert._tag) {
    case "Failed":
      return "failed"
    case "CrashLoop":
      return "crash_loop"
    case "HealthFailing":
      return "health_failing"
    case "HealthRecovered":
      return "health_recovered"
    case "MemoryMax":
      return "memory_max"
    case "DocklessStarted":
      return "dockless_started"
    case "DocklessStopped":
      return "dockless_stopped"
    case "Test":
      return "test"
  }
}

/** The service it is about; null for Dockless's own events. */
export const serviceOf = (alert: Alert): string | null => ("service" in alert ? alert.service : null)

/** A short line (ntfy's title, a chat message's first line): ASCII, as service names are. */
export const titleOf: (alert: Alert) => string = Alert.$match({
  Failed: ({ service }) => `${service} failed`,
  CrashLoop: ({ service }) => `${service} is crash-looping`,
  HealthFailing: ({ service }) => `${service} is unhealthy`,
  HealthRecovered: ({ service }) => `${service} is healthy again`,
  MemoryMax: ({ service }) => `${service} went over memory_max`,
  DocklessStarted: () => "Dockless started",
  DocklessStopped: () => "Dockless stopped",
  Test: () => "Dockless test alert",
})

/** The sentence a person reads. */
export const messageOf: (alert: Alert) => string = Alert.$match({
  Failed: ({ service, error }) => `${service} failed and will not be restarted: ${error}`,
  CrashLoop: ({ service, restarts, within }) =>
    `${service} is crash-looping: ${restarts} restarts within ${formatMs(within)}`,
  HealthFailing: ({ service, failures, error }) =>
    `${service}'s health check failed ${failures} time${failures === 1 ? "" : "s"} in a row` +
    (error === null ? "" : `: ${error}`),
  HealthRecovered: ({ service }) => `${service}'s health check passes again`,
  MemoryMax: ({ service, reason }) => `${service}: ${reason}`,
  DocklessStarted: ({ services }) =>
    `Dockless started, supervising ${services} service${services === 1 ? "" : "s"}`,
  DocklessStopped: () => "Dockless is stopping its services and exiting",
  Test: () => "A test alert from Dockless: this target works.",
})

/** What the alert says beyond its sentence, for programs (a webhook's `details`). */
export const detailsOf: (alert: Alert) => Readonly<Record<string, string | number | null>> = Alert.$match({
  Failed: ({ error }) => ({ error }),
  CrashLoop: ({ restarts, within }) => ({ restarts, within_ms: within }),
  HealthFailing: ({ failures, error }) => ({ failures, error }),
  HealthRecovered: () => ({}),
  MemoryMax: ({ reason }) => ({ reason }),
  DocklessStarted: ({ services }) => ({ services }),
  DocklessStopped: () => ({}),
  Test: () => ({}),
})

/** The JSON a webhook receives and a command reads on stdin. */
export interface AlertPayload {
  readonly event: AlertKind | "test"
  readonly service: string | null
  readonly title: string
  readonly message: string
  /** ISO-8601 UTC. */
  readonly at: string
  readonly host: string
  readonly details: Readonly<Record<string, string | number | null>>
  /** Alerts the rate limit held back since the last one sent. */
  readonly suppressed: number
}

export const payloadOf = (alert: Alert, host: string, suppressed: number): AlertPayload => {
  const held =
    suppressed === 0
      ? ""
      : ` (${suppressed} more alert${suppressed === 1 ? "" : "s"} held back by the rate limit)`
  return {
    event: kindOf(alert),
    service: serviceOf(alert),
    title: titleOf(alert),
    message: `${messageOf(alert)}${held}`,
    at: new Date(alert.at).toISOString(),
    host,
    details: detailsOf(alert),
    suppressed,
  }
}
