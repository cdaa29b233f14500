// `dockless export kubernetes` as a person runs it (issue 23), from the built bundle: a service
// registered through the API is exported with config.toml's, read from the running daemon and,
// once it has stopped, from data_dir/services.json; secret values only with --include-secrets
// (from data_dir/secrets.json for a registered service), in a file only its owner reads; usage
// errors exit 2 and what cannot be exported exits 1 with the reasons.
import { spawnSync } from "node:child_process"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parseAllDocuments } from "yaml"
import type { KubeObject } from "../../src/kubernetes/Manifest.ts"
import { BUNDLE, FIXTURES, startDaemon, tempDir, useDaemons, waitForView } from "../support/daemon.ts"
import { validate } from "./support.ts"

const daemons = useDaemons()

const cli = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [BUNDLE, ...args], { encoding: "utf8", timeout: 15_000 })

const objectsOf = (yaml: string): Array<KubeObject> => {
  const docs = parseAllDocuments(yaml)
  return Array.isArray(docs) ? docs.map((d) => d.toJSON()) : []
}

const find = (objects: ReadonlyArray<KubeObject>, kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata?.name === name)

describe("dockless export kubernetes", () => {
  it("exports a registered service with config.toml's, from the daemon and then from services.json", async () => {
    const d = daemons.track(
      await startDaemon({
        body: `[services.web]\ncommand = "${FIXTURES}/sleeper.sh"\nrestart = "always"\nports = [31981]\n`,
      }),
    )
    const registered = {
      name: "reg_api",
      command: `${FIXTURES}/sleeper.sh`,
      env: { API_KEY: "s3cret-registered", MODE: "on" },
      secret_env: ["API_KEY"],
      restart: "always",
      autostart: false,
      depends_on: ["web"],
      kubernetes: { image: "ghcr.io/me/reg:1" },
    }
    expect((await d.api("POST", "/api/services", registered)).status).toBe(201)
    await waitForView(d, "reg_api", "registered", (v) => v.state === "stopped")

    const live = cli([
      "export",
      "kubernetes",
      "--config",
      d.configPath,
      "--node",
      "n1",
      "--namespace",
      "home",
    ])
    expect(live.stderr).toBe("")
    expect(live.status).toBe(0)
    expect(live.stdout).toContain("registered services: the running daemon")
    expect(live.stdout).not.toContain("s3cret-registered")
    const objects = objectsOf(live.stdout)
    for (const object of objects) validate(object)
    const reg = find(objects, "Deployment", "reg-api")
    expect(reg?.kind === "Deployment" && reg.spec?.template.spec?.containers[0]?.image).toBe(
      "ghcr.io/me/reg:1",
    )
    expect(reg?.kind === "Deployment" && reg.spec?.replicas).toBe(0)
    expect(reg?.metadata?.namespace).toBe("home")
    const secret = find(objects, "Secret", "reg-api-secret")
    expect(secret?.kind === "Secret" && secret.stringData).toEqual({ API_KEY: "REPLACE-ME" })
    const web = find(objects, "Deployment", "web")
    expect(web?.kind === "Deployment" && web.spec?.template.spec?.nodeSelector).toEqual({
      "kubernetes.io/hostname": "n1",
    })
    expect(find(objects, "Service", "web")).toBeDefined()

    // With --include-secrets, into files: the one holding a real value is its owner's only.
    const out = join(tempDir(), "k8s")
    const files = cli(["export", "kubernetes", "--config", d.configPath, "--include-secrets", "--out", out])
    expect(files.stderr).toBe("")
    expect(files.status).toBe(0)
    expect(files.stdout.trim().split("\n")).toEqual([join(out, "reg-api.yaml"), join(out, "web.yaml")])
    expect(readFileSync(join(out, "reg-api.yaml"), "utf8")).toContain("API_KEY: s3cret-registered")
    expect(statSync(join(out, "reg-api.yaml")).mode & 0o777).toBe(0o600)
    expect(statSync(join(out, "web.yaml")).mode & 0o777).toBe(0o644)

    expect(await d.stop()).toBe(0)
    const stored = cli(["export", "kubernetes", "--config", d.configPath, "--include-secrets"])
    expect(stored.stderr).toBe("")
    expect(stored.status).toBe(0)
    expect(stored.stdout).toContain(`registered services: ${join(d.dir, "data/services.json")}`)
    const again = objectsOf(stored.stdout)
    const kept = find(again, "Secret", "reg-api-secret")
    expect(kept?.kind === "Secret" && kept.stringData).toEqual({ API_KEY: "s3cret-registered" })
  })

  it("exits 2 for a usage error and 1, with every reason, for what it cannot export", () => {
    const dir = tempDir()
    const config = join(dir, "config.toml")
    writeFileSync(
      config,
      [
        'data_dir = "data"',
        `[services.tick]\ncommand = "${FIXTURES}/sleeper.sh"\ntype = "oneshot"\nschedule = "every 7m"`,
        `[services.gone]\ncommand = "no-such-program-anywhere"\nenv_file = "${dir}/missing.env"`,
      ].join("\n\n"),
    )
    const refused = cli(["export", "kubernetes", "--config", config])
    expect(refused.status).toBe(1)
    expect(refused.stdout).toBe("")
    expect(refused.stderr).toContain("cannot export to Kubernetes:")
    expect(refused.stderr).toContain('services.gone: command "no-such-program-anywhere" is not found on PATH')
    expect(refused.stderr).toContain(`services.gone.env_file: env_file ${dir}/missing.env cannot be read`)
    expect(refused.stderr).toContain('services.tick.schedule: "every 7m" has no cron expression')

    expect(cli(["export", "kubernetes", "web", "--config", config]).status).toBe(2)
    const ns = cli(["export", "kubernetes", "--namespace", "Home_NS", "--config", config])
    expect(ns.status).toBe(2)
    expect(ns.stderr).toContain("is not a Kubernetes namespace name")
    const toml = cli(["export", "toml", "web", "--out", "x", "--config", config])
    expect(toml.status).toBe(2)
    expect(toml.stderr).toContain("export toml takes no --out")
  })
})
