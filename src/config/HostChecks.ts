// Checks of a service against the host it runs on, made wherever a spec is accepted (config
// load, `dockless check`, the API) so a mistake is refused with its path instead of surfacing
// at the first spawn: the `user` it runs as exists. Whether Dockless may switch to it (it must
// run as root) is left to the spawn: `check` is often run by a person, the daemon by systemd.
import { findUser } from "../os/Users.ts"
import { issue } from "./ConfigError.ts"
import { joinPath, type Issues } from "./Decoding.ts"
import type { ServiceSpec } from "./ServiceSpec.ts"

export const checkHost = (spec: ServiceSpec, pathPrefix: string): Issues => {
  if (spec.user === undefined) return []
  const found = findUser(spec.user)
  return found._tag === "Found" ? [] : [issue(joinPath(pathPrefix, "user"), found.reason)]
}
