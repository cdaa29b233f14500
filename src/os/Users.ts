// Users and groups as a service's identity needs them, read from /etc/passwd and /etc/group
// (no shelling out to `id`, no NSS): the passwd entry of `user` (uid, gid, home, shell), a group
// by name or number, and the groups initgroups(3) would give a user. Only root may switch users,
// so anything else is a clear error.
import { readFileSync } from "node:fs"

export interface PasswdEntry {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly home: string
  readonly shell: string
}

export type UserLookup =
  ({ readonly _tag: "Found" } & PasswdEntry) | { readonly _tag: "Refused"; readonly reason: string }

export interface GroupEntry {
  readonly name: string
  readonly gid: number
  readonly members: ReadonlyArray<string>
}

const isNumber = (text: string) => /^\d+$/.test(text)

const lines = (file: string): ReadonlyArray<ReadonlyArray<string>> | undefined => {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => line.split(":"))
  } catch {
    return undefined
  }
}

/** The user by name (or numeric uid) in `passwd`, whoever asks. */
export const findUser = (user: string, passwd = "/etc/passwd"): UserLookup => {
  const entries = lines(passwd)
  if (entries === undefined)
    return { _tag: "Refused", reason: `cannot read ${passwd} to look up user "${user}"` }
  for (const [name = "", , uid = "", gid = "", , home = "", shell = ""] of entries) {
    if (name === user || (uid === user && isNumber(user))) {
      return { _tag: "Found", name, uid: Number(uid), gid: Number(gid), home, shell }
    }
  }
  return { _tag: "Refused", reason: `no user named "${user}" in ${passwd}` }
}

/** The user a process can be started as by this daemon: it exists, and we are root. */
export const lookupUser = (user: string, passwd = "/etc/passwd"): UserLookup =>
  process.getuid?.() !== 0
    ? { _tag: "Refused", reason: `user = "${user}" needs dockless to run as root` }
    : findUser(user, passwd)

/** Every group in `group`, or undefined when the file cannot be read. */
export const readGroups = (group = "/etc/group"): ReadonlyArray<GroupEntry> | undefined =>
  lines(group)?.map(([name = "", , gid = "", members = ""]) => ({
    name,
    gid: Number(gid),
    members: members === "" ? [] : members.split(","),
  }))

/**
 * A group by name, or by number (a number need not be in the file: systemd's Group= and the
 * kernel take any gid). Undefined when there is no such group.
 */
export const findGroup = (
  group: string | number,
  groups: ReadonlyArray<GroupEntry>,
): { readonly gid: number; readonly name: string | undefined } | undefined => {
  if (typeof group === "number" || isNumber(group)) {
    const gid = Number(group)
    return { gid, name: groups.find((g) => g.gid === gid)?.name }
  }
  const found = groups.find((g) => g.name === group)
  return found === undefined ? undefined : { gid: found.gid, name: found.name }
}

/** What initgroups(user, gid) gives: `gid` first, then every group listing `user` as a member. */
export const initGroups = (
  user: string,
  gid: number,
  groups: ReadonlyArray<GroupEntry>,
): ReadonlyArray<number> => [
  ...new Set([gid, ...groups.filter((g) => g.members.includes(user)).map((g) => g.gid)]),
]

/** Names of uids, for showing what a process runs as. */
export const userNames = (passwd = "/etc/passwd"): ReadonlyMap<number, string> =>
  new Map((lines(passwd) ?? []).map(([name = "", , uid = ""]) => [Number(uid), name]))
