// The typed failures of asking the supervision tree for something: each names the service and
// says what a person can do about it. The HTTP layer maps each to one status code.
import { Data } from "effect"
import type { ConfigIssue } from "../config/ConfigError.ts"

export class ServiceNotFound extends Data.TaggedError("ServiceNotFound")<{ readonly name: string }> {
  override get message(): string {
    return `there is no service named "${this.name}"`
  }
}

export class ServiceExists extends Data.TaggedError("ServiceExists")<{ readonly name: string }> {
  override get message(): string {
    return `a service named "${this.name}" already exists; use PUT /api/services/${this.name} to change it`
  }
}

export class ServiceFromConfig extends Data.TaggedError("ServiceFromConfig")<{ readonly name: string }> {
  override get message(): string {
    return `service "${this.name}" is defined in config.toml; change it there instead`
  }
}

/** The spec itself is malformed (400). The sentence names the first problem; `details` has them all. */
export class SpecInvalid extends Data.TaggedError("SpecInvalid")<{
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    const [first] = this.issues
    if (first === undefined) return "invalid service"
    const where = first.path === "" ? "" : `${first.path}: `
    const more =
      this.issues.length > 1
        ? ` (and ${this.issues.length - 1} more problem${this.issues.length > 2 ? "s" : ""})`
        : ""
    return `invalid service: ${where}${first.message}${more}`
  }
}

/** The spec is well formed but collides with other services (a port, a dependency cycle: 409). */
export class SpecConflict extends Data.TaggedError("SpecConflict")<{
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    return this.issues.map((i) => i.message).join("; ")
  }
}

/**
 * A valid config.toml that clashes with the services registered through the API (409): those stay
 * across a reload, so the reload is refused whole and nothing changes.
 */
export class ReloadConflict extends Data.TaggedError("ReloadConflict")<{
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    return `config.toml was not reloaded, nothing changed: ${this.issues.map((i) => i.message).join("; ")}`
  }
}

/** The service is being deleted, or Dockless is shutting down: it takes no more commands (409). */
export class ServiceClosing extends Data.TaggedError("ServiceClosing")<{
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return `service "${this.name}" takes no more commands: ${this.reason}`
  }
}

/** A supervisor did not answer within its bound (503): the request may still be carried out. */
export class ServiceUnresponsive extends Data.TaggedError("ServiceUnresponsive")<{
  readonly name: string
  readonly ms: number
}> {
  override get message(): string {
    return `service "${this.name}" did not answer within ${this.ms / 1000} s; the request may still be carried out, check its state`
  }
}

/** Dockless is shutting down and takes no more registrations (409). */
export class RootClosing extends Data.TaggedError("RootClosing")<{ readonly reason: string }> {
  override get message(): string {
    return `no changes are accepted now: ${this.reason}`
  }
}

/** Too many requests already wait for this supervisor (503): try again shortly. */
export class ServiceBusy extends Data.TaggedError("ServiceBusy")<{
  readonly name: string
  readonly waiting: number
}> {
  override get message(): string {
    return `service "${this.name}" already has ${this.waiting} requests waiting; try again shortly`
  }
}

export class GroupNotFound extends Data.TaggedError("GroupNotFound")<{ readonly name: string }> {
  override get message(): string {
    return `there is no group named "${this.name}" (groups are [supervisors.NAME] tables in config.toml)`
  }
}

/** Dockless runs on built-in defaults: there is no config file to read again (409). */
export class NoConfigFile extends Data.TaggedError("NoConfigFile")<{}> {
  override get message(): string {
    return "Dockless runs on built-in defaults (no config.toml was found at its start); there is nothing to reload"
  }
}

/** "Run now" of a service that is not a oneshot (409): a long-running service is started instead. */
export class ServiceNotOneshot extends Data.TaggedError("ServiceNotOneshot")<{ readonly name: string }> {
  override get message(): string {
    return `service "${this.name}" is not a job: "Run now" is for type = "oneshot" services; use start or restart`
  }
}
