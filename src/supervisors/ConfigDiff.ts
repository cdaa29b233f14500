// What a reload of config.toml changes, decided before anything is touched: the services added,
// removed, changed and kept, the groups whose table or membership changed (rebuilt whole), and
// the settings only a restart of Dockless can apply (its port, data dir, auth, TLS). Pure: two
// decoded configs in, one plan out; a service compares equal when its encoded spec does, so a
// reordering of keys or a default written out changes nothing.
import type { Config, GroupSpec } from "../config/Config.ts"
import { encodeServiceSpec, type ServiceSpec } from "../config/ServiceSpec.ts"

export interface ReloadPlan {
  readonly added: ReadonlyArray<ServiceSpec>
  readonly removed: ReadonlyArray<string>
  readonly changed: ReadonlyArray<ServiceSpec>
  readonly kept: ReadonlyArray<string>
  /** Groups to tear down and build again: their table or their members changed, or they are new or gone. */
  readonly groups: { readonly rebuilt: ReadonlyArray<string>; readonly removed: ReadonlyArray<string> }
  /** Top-level settings that changed and take effect only when Dockless restarts. */
  readonly needsRestart: ReadonlyArray<string>
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

const specKey = (spec: ServiceSpec): string => JSON.stringify(encodeServiceSpec(spec))

const groupKey = (group: GroupSpec): string => JSON.stringify(group)

/** The settings a running Dockless cannot change under itself, by the name a person writes. */
const restartOnly = (config: Config): Record<string, unknown> => ({
  listen_port: config.listen_port,
  listen_host: config.listen_host,
  data_dir: config.data_dir,
  auth: {
    ...config.auth,
    token: config.auth.token === undefined ? undefined : "set",
    viewer_tokens: config.auth.viewer_tokens.length,
    metrics_token: config.auth.metrics_token === undefined ? undefined : "set",
  },
  http: config.http,
  "ports.auto_range": config.ports.auto_range,
})

export const planReload = (before: Config, after: Config): ReloadPlan => {
  const old = new Map(before.services.map((s) => [s.name, s]))
  const fresh = new Map(after.services.map((s) => [s.name, s]))
  const oldGroups = new Map(before.supervisors.map((g) => [g.name, g]))
  const newGroups = new Map(after.supervisors.map((g) => [g.name, g]))
  const rebuilt = after.supervisors
    .filter((g) => {
      const was = oldGroups.get(g.name)
      return was === undefined || groupKey(was) !== groupKey(g)
    })
    .map((g) => g.name)
  const removedGroups = before.supervisors.filter((g) => !newGroups.has(g.name)).map((g) => g.name)
  const changed: Array<ServiceSpec> = []
  const kept: Array<string> = []
  for (const spec of after.services) {
    const was = old.get(spec.name)
    if (was === undefined) continue
    if (specKey(was) === specKey(spec)) kept.push(spec.name)
    else changed.push(spec)
  }
  const settings = restartOnly(before)
  const next = restartOnly(after)
  return {
    added: after.services.filter((s) => !old.has(s.name)),
    removed: before.services.filter((s) => !fresh.has(s.name)).map((s) => s.name),
    changed,
    kept,
    groups: { rebuilt, removed: removedGroups },
    needsRestart: Object.keys(next).filter((key) => !same(settings[key], next[key])),
  }
}
