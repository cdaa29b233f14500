// The one error type of the config layer: ConfigInvalid carries every issue found in a file
// (or an API body) at once, each with a key path or a TOML line:column, so a person can fix
// them all in one pass. Message shape, one line per issue:
//   <file>:<line>:<column>: <sentence>   (TOML syntax)
//   <file>: <key.path>: <sentence>        (values)      <file>: <sentence>   (file level)
import { Data } from "effect"

export interface ConfigIssue {
  /** Key path like `services.api.backoff.initial`, or "" for a file-level problem. */
  readonly path: string
  /** What was expected and what was found. */
  readonly message: string
  /** 1-based position, set for TOML syntax errors only. */
  readonly line?: number
  readonly column?: number
}

export const formatIssue = (file: string, issue: ConfigIssue): string => {
  if (issue.line !== undefined) return `${file}:${issue.line}:${issue.column ?? 1}: ${issue.message}`
  if (issue.path === "") return `${file}: ${issue.message}`
  return `${file}: ${issue.path}: ${issue.message}`
}

export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly file: string
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    return this.issues.map((issue) => formatIssue(this.file, issue)).join("\n")
  }
}

export const issue = (path: string, message: string): ConfigIssue => ({ path, message })
