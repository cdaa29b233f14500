// What the Kubernetes exporter learns from the host it runs on, per service, before the pure
// mapping: the program (found on PATH as the spawn would find it; a static or dynamic ELF, or a
// script and its interpreter), the numeric ids of `user`, `group` and `supplementary_groups`
// (/etc/passwd, /etc/group), the env_file's variables, and, with --include-secrets, the real
// values of the secret keys. Anything it cannot learn is a sentence in `problems`.
import { closeSync, openSync, readSync, statSync } from "node:fs"
import { delimiter, isAbsolute, join } from "node:path"
import { readEnvFile } from "../config/EnvFile.ts"
import { REDACTED } from "../config/Secrets.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import { findGroup, findUser, readGroups } from "../os/Users.ts"
import { systemErrorReason } from "../os/SystemError.ts"

export type Program =
  | { readonly _tag: "Elf"; readonly path: string; readonly static: boolean }
  | { readonly _tag: "Script"; readonly path: string; readonly interpreter: string }
  | { readonly _tag: "Other"; readonly path: string }

export interface HostFacts {
  /** Undefined when the service names its own image: the host's program is not used. */
  readonly program: Program | undefined
  readonly uid: number | undefined
  readonly gid: number | undefined
  readonly supplementalGroups: ReadonlyArray<number>
  /** The env_file's variables, as the spawn would read them. */
  readonly envFile: Readonly<Record<string, string>>
  /** The real values of its secret keys, only with --include-secrets. */
  readonly secretValues: Readonly<Record<string, string>> | undefined
  readonly problems: ReadonlyArray<string>
}

const PT_INTERP = 3

/** An ELF file is static when it has no program interpreter (PT_INTERP) header. */
const elfIsStatic = (head: Buffer, read: (offset: number, length: number) => Buffer): boolean => {
  const is64 = head[4] === 2
  const little = head[5] === 1
  const u16 = (b: Buffer, at: number) => (little ? b.readUInt16LE(at) : b.readUInt16BE(at))
  const u32 = (b: Buffer, at: number) => (little ? b.readUInt32LE(at) : b.readUInt32BE(at))
  const phoff = is64 ? Number(little ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32)) : u32(head, 28)
  const phentsize = u16(head, is64 ? 54 : 42)
  const phnum = u16(head, is64 ? 56 : 44)
  const table = read(phoff, phentsize * phnum)
  for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === PT_INTERP) return false
  return true
}

/** What kind of program the file is, from its first bytes. */
export const programAt = (path: string): Program | string => {
  let fd: number
  try {
    fd = openSync(path, "r")
  } catch (error) {
    return `command ${path} cannot be read: ${systemErrorReason(error)}`
  }
  try {
    const read = (offset: number, length: number) => {
      const buffer = Buffer.alloc(length)
      const got = readSync(fd, buffer, 0, length, offset)
      return buffer.subarray(0, got)
    }
    const head = read(0, 256)
    if (head.length >= 64 && head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])))
      return { _tag: "Elf", path, static: elfIsStatic(head, read) }
    if (head.subarray(0, 2).toString("latin1") === "#!") {
      const line = head.subarray(2).toString("utf8").split("\n")[0] ?? ""
      const words = line.trim().split(/\s+/)
      const interpreter = (words[0] === "/usr/bin/env" ? words[1] : words[0]) ?? ""
      return { _tag: "Script", path, interpreter }
    }
    return { _tag: "Other", path }
  } finally {
    closeSync(fd)
  }
}

const isFile = (file: string) => {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/** The command's file: as written when it is a path, else the first match on PATH. */
export const findCommand = (command: string, pathVar: string | undefined): string | undefined =>
  isAbsolute(command) || command.includes("/")
    ? command
    : (pathVar ?? "")
        .split(delimiter)
        .filter((dir) => dir !== "")
        .map((dir) => join(dir, command))
        .find(isFile)

/** The facts for one service; `registeredSecrets` are secrets.json's values for it, when read. */
export const hostFactsOf = (
  spec: ServiceSpec,
  options: {
    readonly includeSecrets: boolean
    readonly registeredSecrets: Readonly<Record<string, string>> | undefined
    readonly pathVar: string | undefined
  },
): HostFacts => {
  const at = `services.${spec.name}`
  const problems: Array<string> = []
  let program: Program | undefined
  if (spec.kubernetes?.image === undefined) {
    const file = findCommand(spec.command, options.pathVar)
    const found = file === undefined ? `command "${spec.command}" is not found on PATH` : programAt(file)
    if (typeof found === "string")
      problems.push(
        `${at}: ${found}: the export mounts it from the host, or give the service an image in [${at}.kubernetes]`,
      )
    else program = found
  }
  const user = spec.user === undefined ? undefined : findUser(spec.user)
  if (user?._tag === "Refused")
    problems.push(`${at}.user: ${user.reason} on this host, so it has no uid to run as`)
  const groups = spec.group !== undefined || spec.supplementary_groups.length > 0 ? (readGroups() ?? []) : []
  const gidOf = (group: string | number, key: string) => {
    const found = findGroup(group, groups)
    if (found === undefined) problems.push(`${at}.${key}: no group "${group}" in /etc/group on this host`)
    return found?.gid
  }
  const gid =
    spec.group !== undefined ? gidOf(spec.group, "group") : user?._tag === "Found" ? user.gid : undefined
  const supplementalGroups = spec.supplementary_groups.flatMap((g) => {
    const found = gidOf(g, "supplementary_groups")
    return found === undefined ? [] : [found]
  })
  const read = spec.env_file === undefined ? undefined : readEnvFile(spec.env_file)
  if (read?._tag === "Invalid") problems.push(`${at}.env_file: ${read.reason}`)
  const envFile = read?._tag === "Parsed" ? read.env : {}
  let secretValues: Record<string, string> | undefined
  if (options.includeSecrets) {
    secretValues = {}
    for (const key of spec.secret_env) {
      // A registered service's spec shows its secrets as REDACTED: those come from secrets.json.
      const own = spec.env[key] === REDACTED ? undefined : spec.env[key]
      const value = envFile[key] ?? options.registeredSecrets?.[key] ?? own
      if (value !== undefined) secretValues[key] = value
    }
  }
  return {
    program,
    uid: user?._tag === "Found" ? user.uid : undefined,
    gid,
    supplementalGroups,
    envFile,
    secretValues,
    problems,
  }
}
