// A reload of config.toml carried out on the running tree, touching only what changed (the
// plan of ConfigDiff.ts): removed services and groups stop and are forgotten; a changed
// service alone restarts with its new spec (one a person stopped stays stopped, with the new
// spec); changed members of an unchanged group restart as its strategy says (one_for_one: the
// member alone; rest_for_one: it and the members after it; one_for_all: all); a group whose
// table or membership changed is built again; new services start if they should; everything
// else keeps its process. The root runs it in its own fiber, through the edits it allows.
import { Effect } from "effect"
import type { Config, GroupSpec } from "../config/Config.ts"
import type { ServiceSpec } from "../config/ServiceSpec.ts"
import type { Desired } from "../state/Store.ts"
import { planReload } from "./ConfigDiff.ts"
import type { GroupSupervisor } from "./GroupSupervisor.ts"
import type { ServiceSupervisor } from "./ServiceSupervisor.ts"

/** What a reload did, as `POST /api/reload` answers it. */
export interface ReloadAnswer {
  readonly added: ReadonlyArray<string>
  readonly removed: ReadonlyArray<string>
  /** Changed (or restarted with a changed sibling) and running again with the new spec. */
  readonly restarted: ReadonlyArray<string>
  /** Changed but not running (a person stopped it): the new spec is kept for its next start. */
  readonly updated: ReadonlyArray<string>
  /** Untouched: same process. */
  readonly kept: ReadonlyArray<string>
  /** Settings that changed in the file but take effect only when Dockless restarts. */
  readonly needs_restart: ReadonlyArray<string>
}

/** The changes to the tree a reload may make; the root implements them over what it owns. */
export interface TreeEdits {
  readonly service: (name: string) => ServiceSupervisor | undefined
  readonly group: (name: string) => GroupSupervisor | undefined
  readonly desiredOf: (name: string) => Effect.Effect<Desired | undefined>
  /** Stops a service (bounded) and forgets it. */
  readonly drop: (name: string, why: string) => Effect.Effect<void>
  /** Stops deciding for a group and forgets it (its members are dropped one by one, in reverse order). */
  readonly dropGroup: (name: string) => Effect.Effect<void>
  /** A new service outside any group (not started yet). */
  readonly addAlone: (spec: ServiceSpec, desired: Desired) => Effect.Effect<void>
  /** A group built with these members (not started yet). */
  readonly addGroup: (
    spec: GroupSpec,
    members: ReadonlyArray<{ spec: ServiceSpec; desired: Desired }>,
  ) => Effect.Effect<void>
  /** Starts these new services as boot does, each once what it waits for runs. */
  readonly start: (names: ReadonlyArray<string>) => Effect.Effect<void>
  /** The config the tree runs on from now on (what needs a restart stays as it was). */
  readonly adopt: (config: Config) => void
}

const LIVE = new Set(["starting", "running", "backoff"])

export const applyReload = (edits: TreeEdits, before: Config, after: Config): Effect.Effect<ReloadAnswer> =>
  Effect.gen(function* () {
    const plan = planReload(before, after)
    const restarted = new Set<string>()
    const updated = new Set<string>()
    const rebuilt = new Set(plan.groups.rebuilt)
    const inRebuilt = new Set(after.supervisors.filter((g) => rebuilt.has(g.name)).flatMap((g) => g.children))
    const oldGroupOf = new Map(before.supervisors.flatMap((g) => g.children.map((c) => [c, g.name] as const)))
    const newGroupOf = new Map(after.supervisors.flatMap((g) => g.children.map((c) => [c, g.name] as const)))
    // A service that moves into, out of or between groups is rebuilt with them.
    const moved = new Set(
      after.services
        .map((s) => s.name)
        .filter((n) => oldGroupOf.get(n) !== newGroupOf.get(n) && plan.added.every((a) => a.name !== n)),
    )
    const desired = new Map<string, Desired>()
    for (const name of [...inRebuilt, ...moved]) {
      const wanted = yield* edits.desiredOf(name)
      if (wanted !== undefined) desired.set(name, wanted)
    }

    // 1. What goes away, or is built again: groups first (their members in reverse order).
    const teardown = [
      ...before.supervisors.filter((g) => rebuilt.has(g.name) || plan.groups.removed.includes(g.name)),
    ]
    for (const group of teardown) {
      yield* edits.dropGroup(group.name)
      for (const member of [...group.children].reverse())
        yield* edits.drop(member, "its group changed (reload)")
    }
    for (const name of plan.removed) {
      if (edits.service(name) !== undefined) yield* edits.drop(name, "removed from config.toml (reload)")
    }
    for (const name of moved) {
      if (edits.service(name) !== undefined) yield* edits.drop(name, "its group changed (reload)")
    }

    // 2. Changed services that keep their place.
    const byGroup = new Map<string, Array<ServiceSpec>>()
    for (const spec of plan.changed) {
      if (inRebuilt.has(spec.name) || moved.has(spec.name)) continue
      const groupName = newGroupOf.get(spec.name)
      if (groupName !== undefined) {
        byGroup.set(groupName, [...(byGroup.get(groupName) ?? []), spec])
        continue
      }
      const service = edits.service(spec.name)
      if (service === undefined) continue
      const view = yield* service
        .update(spec, service.port())
        .pipe(
          Effect.catchAll((failure) =>
            Effect.logWarning(`${spec.name}: reload could not update it: ${failure.message}`).pipe(
              Effect.as(undefined),
            ),
          ),
        )
      if (view !== undefined && (view.desired === "running" || LIVE.has(view.state))) restarted.add(spec.name)
      else updated.add(spec.name)
    }
    for (const [groupName, specs] of byGroup) {
      const group = edits.group(groupName)
      if (group === undefined) continue
      const affected = yield* group.reconfigure(specs)
      for (const name of affected) {
        const wanted = yield* edits.desiredOf(name)
        if (wanted === "running") restarted.add(name)
        else if (specs.some((s) => s.name === name)) updated.add(name)
      }
    }

    // 3. What is new, or built again, started in boot's order once all of it exists.
    edits.adopt(after)
    const starting: Array<string> = []
    const existed = new Set(before.services.map((s) => s.name))
    for (const spec of after.services) {
      if (newGroupOf.has(spec.name) || edits.service(spec.name) !== undefined) continue
      const wanted = desired.get(spec.name) ?? (spec.autostart ? "running" : "stopped")
      yield* edits.addAlone(spec, wanted)
      if (wanted === "running") starting.push(spec.name)
      if (existed.has(spec.name) && wanted === "running") restarted.add(spec.name)
    }
    const specs = new Map(after.services.map((s) => [s.name, s]))
    for (const group of after.supervisors) {
      if (!rebuilt.has(group.name)) continue
      const members = group.children.flatMap((name) => {
        const spec = specs.get(name)
        if (spec === undefined) return []
        return [{ spec, desired: desired.get(name) ?? (spec.autostart ? "running" : "stopped") }]
      })
      yield* edits.addGroup(group, members)
      for (const m of members) {
        if (m.desired !== "running") continue
        starting.push(m.spec.name)
        if (existed.has(m.spec.name)) restarted.add(m.spec.name)
      }
    }
    yield* edits.start(starting)

    const added = plan.added.map((s) => s.name)
    const touched = new Set([...added, ...plan.removed, ...restarted, ...updated])
    return {
      added,
      removed: [...plan.removed],
      restarted: [...restarted],
      updated: [...updated].filter((n) => !restarted.has(n)),
      kept: after.services.map((s) => s.name).filter((n) => !touched.has(n)),
      needs_restart: plan.needsRestart,
    }
  })
