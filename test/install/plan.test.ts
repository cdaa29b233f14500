// The pure install/uninstall plans, for the cases a temp --root cannot reach: a host where
// systemd runs (reload, restart only when code changed, enable --now; disable before removing)
// and one without it. Actions are compared by tag and path, in order.
import { describe, expect, it } from "vitest"
import { launcherScript, layout } from "../../src/cli/install/Layout.ts"
import {
  planInstall,
  planUninstall,
  type Action,
  type FileState,
  type InstallInputs,
} from "../../src/cli/install/Plan.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const bundle = new Map([
  ["dockless.mjs", bytes("code v1")],
  ["dockless.service", bytes("[Unit]\n")],
  ["config.default.toml", bytes("#:schema ./config.schema.json\nlisten_port = 3080\n")],
  ["config.schema.json", bytes("{}\n")],
  ["static/index.html", bytes("<html>")],
])

const summary = (actions: ReadonlyArray<Action>): Array<string> =>
  actions.map((a) => {
    switch (a._tag) {
      case "Systemctl":
        return `systemctl ${a.args.join(" ")}`
      case "Advice":
        return "advice"
      default:
        return `${a._tag} ${a.path}`
    }
  })

/** The target as a previous install of `installed` left it. */
const installedFrom = (installed: ReadonlyMap<string, Uint8Array>): Pick<InstallInputs, "files" | "dirs"> => {
  const files = new Map<string, FileState>()
  for (const [name, content] of installed)
    files.set(`${layout.libDir}/${name}`, { content, mode: name === "dockless.mjs" ? 0o755 : 0o644 })
  files.set(layout.launcher, { content: bytes(launcherScript), mode: 0o755 })
  files.set(layout.config, { content: bytes("edited\n"), mode: 0o644 })
  files.set(layout.configSchema, { content: installed.get("config.schema.json") ?? bytes(""), mode: 0o644 })
  files.set(layout.unit, { content: installed.get("dockless.service") ?? bytes(""), mode: 0o644 })
  const dirs = new Map([
    [layout.libDir, 0o755],
    [`${layout.libDir}/static`, 0o755],
    [layout.binDir, 0o2775],
    [layout.configDir, 0o755],
    [layout.dataDir, 0o700],
    [layout.unitDir, 0o755],
  ])
  return { files, dirs }
}

describe("planInstall", () => {
  it("on a fresh host with systemd: writes everything, reloads, enables and starts, without a restart", () => {
    const actions = summary(planInstall({ bundle, files: new Map(), dirs: new Map(), systemd: "running" }))
    expect(actions.slice(-2)).toEqual(["systemctl daemon-reload", "systemctl enable --now dockless.service"])
    expect(actions).toContain(`WriteFile ${layout.bundle}`)
    expect(actions).toContain(`CreateDir ${layout.dataDir}`)
    expect(actions).not.toContain("systemctl try-restart dockless.service")
  })

  it("upgrading a running dockless restarts it before enable --now, so the new code runs", () => {
    const target = installedFrom(bundle)
    const next = new Map(bundle).set("dockless.mjs", bytes("code v2"))
    expect(summary(planInstall({ bundle: next, ...target, systemd: "running" })).slice(-3)).toEqual([
      "systemctl daemon-reload",
      "systemctl try-restart dockless.service",
      "systemctl enable --now dockless.service",
    ])
  })

  it("reinstalling the same version leaves everything as it is, including the shared /usr/local/bin mode", () => {
    const actions = summary(planInstall({ bundle, ...installedFrom(bundle), systemd: "running" }))
    expect(actions.filter((a) => /^(WriteFile|CreateDir|SetMode|Remove) /.test(a))).toEqual([])
    expect(actions).toContain(`Kept ${layout.config}`)
    expect(actions).not.toContain("systemctl try-restart dockless.service")
  })

  it("without systemd it starts nothing and says what to run instead", () => {
    const actions = planInstall({ bundle, files: new Map(), dirs: new Map(), systemd: "absent" })
    const last = actions.at(-1)
    expect(summary(actions).filter((a) => a.startsWith("systemctl"))).toEqual([])
    expect(last?._tag === "Advice" && last.text).toContain("dockless run --config /etc/dockless/config.toml")
  })
})

describe("planUninstall", () => {
  const everything = new Set([layout.unit, layout.launcher, layout.libDir, layout.configDir])

  it("with systemd: stops and disables the unit first and reloads systemd last", () => {
    expect(
      summary(planUninstall({ existing: everything, purge: false, systemd: "running", unitFailed: false })),
    ).toEqual([
      "systemctl disable --now dockless.service",
      `Remove ${layout.unit}`,
      `Remove ${layout.launcher}`,
      `Remove ${layout.libDir}`,
      `Kept ${layout.configDir}`,
      "systemctl daemon-reload",
    ])
  })

  it("with systemd: resets a failed unit after stopping it, so no not-found failed Dockless lingers", () => {
    const actions = summary(
      planUninstall({ existing: everything, purge: true, systemd: "running", unitFailed: true }),
    )
    expect(actions.filter((a) => a.startsWith("systemctl"))).toEqual([
      "systemctl disable --now dockless.service",
      "systemctl reset-failed dockless.service",
      "systemctl daemon-reload",
    ])
    expect(actions.indexOf("systemctl reset-failed dockless.service")).toBeLessThan(
      actions.indexOf(`Remove ${layout.unit}`),
    )
  })

  it("does not call systemctl for a unit that is not installed", () => {
    const actions = summary(
      planUninstall({
        existing: new Set([layout.configDir]),
        purge: true,
        systemd: "running",
        unitFailed: true,
      }),
    )
    expect(actions.filter((a) => a.startsWith("systemctl"))).toEqual([])
    expect(actions).toContain(`Remove ${layout.configDir}`)
  })
})
