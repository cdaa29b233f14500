// Resolves a service's `user` to the uid and gid its process runs as, from /etc/passwd
// (no shelling out to `id`). Only root may switch users, so anything else is a clear error.
import { readFileSync } from "node:fs"

export type UserLookup =
  | { readonly _tag: "Found"; readonly uid: number; readonly gid: number }
  | { readonly _tag: "Refused"; readonly reason: string }

/** The user by name (or numeric uid) in `passwd`, whoever asks. */
export const findUser = (user: string, passwd = "/etc/passwd"): UserLookup => {
  let text = ""
  try {
    text = readFileSync(passwd, "utf8")
  } catch {
    return { _tag: "Refused", reason: `cannot read ${passwd} to look up user "${user}"` }
  }
  for (const line of text.split("\n")) {
    const [name, , uid, gid] = line.split(":")
    if (name === user || (uid === user && /^\d+$/.test(user))) {
      return { _tag: "Found", uid: Number(uid), gid: Number(gid) }
    }
  }
  return { _tag: "Refused", reason: `no user named "${user}" in ${passwd}` }
}

/** The user a process can be started as by this daemon: it exists, and we are root. */
export const lookupUser = (user: string, passwd = "/etc/passwd"): UserLookup =>
  process.getuid?.() !== 0
    ? { _tag: "Refused", reason: `user = "${user}" needs dockless to run as root` }
    : findUser(user, passwd)
