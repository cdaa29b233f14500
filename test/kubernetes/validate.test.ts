// The validator the export tests lean on (support.ts) refuses what `kubectl apply
// --validate=strict` would: without these, a validator that passed everything would pass every
// export test too. The exporter's types already keep a bad enum value out at compile time, so
// the cases below put theirs in with Object.assign, as a bug past the types would.
import { afterAll, describe, expect, it } from "vitest"
import type { KubeObject } from "../../src/kubernetes/Manifest.ts"
import { exportedOf, objectOf, removeConfigs, validate, writeConfig } from "./support.ts"

afterAll(removeConfigs)

const exported = async () => {
  const file = writeConfig(
    [
      '[services.web]\ncommand = "/opt/web"\nrestart = "always"\nports = [8081]\nenv = { MODE = "on" }',
      '[services.job]\ncommand = "/opt/web"\nrestart = "on-failure"',
      '[services.tick]\ncommand = "/opt/web"\ntype = "oneshot"\nschedule = "every 1h"',
    ].join("\n\n"),
  )
  return exportedOf(file, {
    programs: { "/opt/web": { _tag: "Elf", path: "/opt/web", static: true } },
  })
}

/** A deep copy of `object` changed by `change`, so each case starts from a valid object. */
const changed = <T extends KubeObject>(object: T, change: (copy: T) => void): T => {
  const copy = structuredClone(object)
  change(copy)
  return copy
}

describe("the export tests' validator", () => {
  it("passes the objects as the exporter writes them", async () => {
    const objects = (await exported()).flatMap((e) => e.manifests.map((m) => m.object))
    expect(objects.map((o) => o.kind).sort()).toEqual(["CronJob", "Deployment", "Job", "Service"])
    for (const object of objects) expect(() => validate(object)).not.toThrow()
  })

  it("refuses a key the kind does not have, at any depth, naming its path", async () => {
    const all = await exported()
    const deployment = objectOf(all, "web", "Deployment")
    expect(() =>
      validate(
        changed(deployment, (d) => {
          const container = d.spec?.template.spec?.containers[0]
          if (container !== undefined) Object.assign(container, { imagee: "busybox" })
        }),
      ),
    ).toThrow("spec.template.spec.containers[0].imagee")
    expect(() => validate(changed(deployment, (d) => Object.assign(d, { specs: {} })))).toThrow(
      "fields Kubernetes does not know: specs",
    )
    const service = objectOf(all, "web", "Service")
    expect(() =>
      validate(
        changed(service, (s) => {
          const port = s.spec?.ports?.[0]
          if (port !== undefined) Object.assign(port, { hostPort: 8081 })
        }),
      ),
    ).toThrow("spec.ports[0].hostPort")
  })

  it("takes any key in a map (labels), and still refuses a misspelt key beside it", async () => {
    const deployment = objectOf(await exported(), "web", "Deployment")
    const labelled = changed(deployment, (d) => Object.assign(d.metadata?.labels ?? {}, { "any/key": "x" }))
    expect(() => validate(labelled)).not.toThrow()
    expect(() =>
      validate(changed(labelled, (d) => Object.assign(d.metadata ?? {}, { label: { a: "b" } }))),
    ).toThrow("metadata.label")
  })

  it("refuses a value outside the enum Kubernetes gives the field", async () => {
    const all = await exported()
    const job = objectOf(all, "job", "Job")
    expect(() =>
      validate(
        changed(job, (j) => {
          Object.assign(j.spec?.template.spec ?? {}, { restartPolicy: "Sometimes" })
        }),
      ),
    ).toThrow(/restartPolicy must be equal to one of the allowed values/)
    const cron = objectOf(all, "tick", "CronJob")
    expect(() =>
      validate(
        changed(cron, (c) => {
          Object.assign(c.spec ?? {}, { concurrencyPolicy: "Queue" })
        }),
      ),
    ).toThrow(/concurrencyPolicy must be equal to one of the allowed values/)
    const deployment = objectOf(all, "web", "Deployment")
    expect(() =>
      validate(
        changed(deployment, (d) => {
          const port = d.spec?.template.spec?.containers[0]?.ports?.[0]
          Object.assign(port ?? {}, { protocol: "TPC" })
        }),
      ),
    ).toThrow(/protocol must be equal to one of the allowed values/)
  })
})
