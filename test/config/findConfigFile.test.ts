// Config lookup order (--config, $DOCKLESS_CONFIG, ./config.toml, /etc/dockless/config.toml)
// against real files, and `dockless check`'s result for a valid, an invalid and a missing config.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdir } from "node:fs/promises"
import * as path from "node:path"
import { checkConfig } from "../../src/cli/check.ts"
import { findConfigFile } from "../../src/config/ConfigFile.ts"
import { tempDir, writeText } from "./tempConfig.ts"

/** A temp dir with cwd/, cwd/config.toml, explicit.toml, env.toml and system/config.toml. */
const layout = Effect.gen(function* () {
  const dir = yield* tempDir
  const files = {
    cwd: path.join(dir, "cwd"),
    local: yield* writeText(path.join(dir, "cwd", "config.toml"), ""),
    explicit: yield* writeText(path.join(dir, "explicit.toml"), ""),
    env: yield* writeText(path.join(dir, "env.toml"), ""),
    system: yield* writeText(path.join(dir, "system", "config.toml"), ""),
    missing: path.join(dir, "missing.toml"),
    emptyCwd: path.join(dir, "empty"),
  }
  yield* Effect.promise(() => mkdir(files.emptyCwd))
  return files
})

describe("findConfigFile", () => {
  it.scoped("prefers --config, then $DOCKLESS_CONFIG, then ./config.toml, then the system path", () =>
    Effect.gen(function* () {
      const f = yield* layout
      const env = { DOCKLESS_CONFIG: f.env }
      expect(yield* findConfigFile(f.explicit, env, f.cwd, f.system)).toBe(f.explicit)
      expect(yield* findConfigFile(undefined, env, f.cwd, f.system)).toBe(f.env)
      expect(yield* findConfigFile(undefined, {}, f.cwd, f.system)).toBe(f.local)
      expect(yield* findConfigFile(undefined, { DOCKLESS_CONFIG: "" }, f.cwd, f.system)).toBe(f.local)
      expect(yield* findConfigFile(undefined, {}, f.emptyCwd, f.system)).toBe(f.system)
      expect(yield* findConfigFile(undefined, {}, f.emptyCwd, f.missing)).toBeUndefined()
    }),
  )

  it.scoped("resolves relative --config and $DOCKLESS_CONFIG against cwd", () =>
    Effect.gen(function* () {
      const f = yield* layout
      expect(yield* findConfigFile("../explicit.toml", {}, f.cwd, f.system)).toBe(f.explicit)
      expect(yield* findConfigFile(undefined, { DOCKLESS_CONFIG: "../env.toml" }, f.cwd, f.system)).toBe(
        f.env,
      )
    }),
  )

  it.scoped("fails when --config or $DOCKLESS_CONFIG names a file that does not exist", () =>
    Effect.gen(function* () {
      const f = yield* layout
      const fromFlag = yield* Effect.flip(findConfigFile(f.missing, {}, f.cwd, f.system))
      expect(fromFlag.message).toBe(`${f.missing}: file not found (given by --config)`)
      const fromEnv = yield* Effect.flip(
        findConfigFile(undefined, { DOCKLESS_CONFIG: f.missing }, f.cwd, f.system),
      )
      expect(fromEnv.message).toBe(`${f.missing}: file not found (given by $DOCKLESS_CONFIG)`)
      const dir = yield* Effect.flip(findConfigFile(f.cwd, {}, f.cwd, f.system))
      expect(dir.message).toBe(`${f.cwd}: is a directory, expected a TOML file (given by --config)`)
    }),
  )
})

describe("dockless check", () => {
  it.scoped("prints ok and exits 0 for a valid config", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const file = yield* writeText(path.join(dir, "config.toml"), `[services.api]\ncommand = "sleep"\n`)
      expect(yield* checkConfig(undefined, {}, dir, path.join(dir, "none"))).toEqual({
        code: 0,
        stdout: "ok",
        stderr: "",
      })
      expect((yield* checkConfig(file, {}, "/", path.join(dir, "none"))).code).toBe(0)
    }),
  )

  it.scoped("notes when it checked ./config.toml while an installed config exists (issue 18, point 8)", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const file = yield* writeText(path.join(dir, "config.toml"), `[services.api]\ncommand = "sleep"\n`)
      const system = yield* writeText(path.join(dir, "etc", "config.toml"), "")
      const result = yield* checkConfig(undefined, {}, dir, system)
      expect(result.code).toBe(0)
      expect(result.stdout).toBe("ok")
      expect(result.stderr).toMatch(
        new RegExp(
          `^note: checked ${file} \\(the config.toml in this folder\\); the installed Dockless reads ${system}: \`(dockless|node \\S+) check --config ${system}\` checks that one$`,
        ),
      )
      // Named with --config, or found at the system path itself: nothing to note.
      expect((yield* checkConfig(system, {}, dir, system)).stderr).toBe("")
      expect((yield* checkConfig(undefined, {}, path.join(dir, "etc"), system)).stderr).toBe("")
    }),
  )

  it.scoped(
    "notes a group member's own intensity, which its group's replaces (issue 17), and still answers ok",
    () =>
      Effect.gen(function* () {
        const dir = yield* tempDir
        const file = yield* writeText(
          path.join(dir, "config.toml"),
          `[services.db]\ncommand = "sleep"\nintensity = { max_restarts = 3 }\n` +
            `[services.api]\ncommand = "sleep"\n` +
            `[supervisors.backend]\nstrategy = "rest_for_one"\nchildren = ["db", "api"]\n`,
        )
        expect(yield* checkConfig(file, {}, "/", path.join(dir, "none"))).toEqual({
          code: 0,
          stdout: "ok",
          stderr:
            `note: ${file}: services.db.intensity is ignored: "db" is a child of [supervisors.backend], ` +
            `whose intensity counts its restarts`,
        })
      }),
  )

  it.scoped("prints every issue, one per line, and exits 2 for an invalid config", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const file = yield* writeText(
        path.join(dir, "config.toml"),
        `listen_port = 0\n[services.api]\nrestart = "x"\n`,
      )
      expect(yield* checkConfig(file, {}, dir)).toEqual({
        code: 2,
        stdout: "",
        stderr: [
          `${file}: listen_port: expected a port number from 1 to 65535, got 0`,
          `${file}: services.api.restart: expected "always" | "on-failure" | "never", got "x"`,
          `${file}: services.api.command: is required: the program to run (an absolute path, a path relative to the config file, or a name found on PATH)`,
        ].join("\n"),
      })
    }),
  )

  it.scoped("says which paths it tried and exits 2 when there is no config", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const system = path.join(dir, "etc", "config.toml")
      expect(yield* checkConfig(undefined, {}, dir, system)).toEqual({
        code: 2,
        stdout: "",
        stderr: `no config file found; looked for: ${path.join(dir, "config.toml")}, ${system}`,
      })
    }),
  )

  it.scoped("exits 2 when --config names a missing file", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const missing = path.join(dir, "nope.toml")
      expect(yield* checkConfig(missing, {}, dir)).toEqual({
        code: 2,
        stdout: "",
        stderr: `${missing}: file not found (given by --config)`,
      })
    }),
  )
})
