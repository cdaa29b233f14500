// The docs run (issue 18): every command shown in a code block of README.md and docs/*.md that
// starts with `dockless` or `node dist/dockless.mjs` (after `sudo` or a `$ ` prompt) is run
// against a real daemon and must exit 0, so a doc that drifts from the CLI fails CI. Commands
// that change the system run with `--root TMP --dry-run` (install, uninstall); `run` is only
// parsed. `/etc/dockless/config.toml` stands for the test daemon's config. Commands in inline
// code (`dockless check --config …`) must at least parse, unless they show a synopsis (NAME, [..]).
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseCommandLine } from "../../src/cli/Argv.ts"
import { commands } from "../../src/cli/commands.ts"
import { BUNDLE, FIXTURES, ROOT, startDaemon, tempDir, type Daemon } from "../support/daemon.ts"

const docs = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
]

interface Shown {
  readonly where: string
  readonly args: ReadonlyArray<string>
}

/** `sudo dockless status   # comment` → ["status"]; undefined when it is not a dockless command. */
const commandOf = (text: string): ReadonlyArray<string> | undefined => {
  const line = text
    .trim()
    .replace(/^\$ /, "")
    .replace(/^sudo (-E )?/, "")
    .replace(/\s+#.*$/, "")
    .split(/ \| | && | ; /)[0]
    ?.trim()
  const program = /^(dockless|node dist\/dockless\.mjs)(?= |$)/.exec(line ?? "")
  if (line === undefined || program === null) return undefined
  return line
    .slice(program[0].length)
    .split(/\s+/)
    .filter((w) => w !== "")
}

const fenced: Array<Shown> = []
const inline: Array<Shown> = []
for (const doc of docs) {
  const lines = readFileSync(join(ROOT, doc), "utf8").split("\n")
  let inBlock = false
  lines.forEach((line, i) => {
    if (line.trim().startsWith("```")) {
      inBlock = !inBlock
      return
    }
    const where = `${doc}:${i + 1}`
    if (inBlock) {
      const args = commandOf(line)
      if (args !== undefined) fenced.push({ where, args })
      return
    }
    for (const [, code] of line.matchAll(/`([^`]+)`/g)) {
      const args = commandOf(code ?? "")
      // A synopsis (NAME, PATH, [--json], a|b, …) is not a command to run.
      if (args !== undefined && !/NAME|PATH|DIR|CMD|\bN\b|\||\[|…|</.test(args.join(" ")))
        inline.push({ where, args })
    }
  })
}

const systemChanging = new Set(["install", "uninstall"])
const noDaemon = new Set(["install", "uninstall", "schema", "completion"])

let daemon: Daemon
beforeAll(async () => {
  daemon = await startDaemon({ body: `[services.web]\ncommand = "${FIXTURES}/sleeper.sh"\n` })
})
// One daemon for the file, stopped (with its service) by pid at the end, also after a failure.
afterAll(() => daemon?.stop())

/** The command as the docs show it, pointed at the test daemon (or a temp root). */
const forTest = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const command = args.find((a) => !a.startsWith("-")) ?? "run"
  const pointed = args.map((a) => (a === "/etc/dockless/config.toml" ? daemon.configPath : a))
  if (systemChanging.has(command))
    return [
      ...pointed.filter((a, i) => a !== "--root" && pointed[i - 1] !== "--root"),
      "--root",
      tempDir("dockless-doc-root-"),
      ...(pointed.includes("--dry-run") ? [] : ["--dry-run"]),
    ]
  if (noDaemon.has(command) || pointed.includes("--config")) return pointed
  return [...pointed, "--config", daemon.configPath]
}

describe("the commands the docs show", () => {
  it("finds the commands in the docs' code blocks", () => {
    expect(fenced.length).toBeGreaterThanOrEqual(10)
    expect(fenced.map((c) => c.args[0])).toEqual(expect.arrayContaining(["install", "status", "check"]))
  })

  it("parses every one, in code blocks and inline", () => {
    for (const shown of [...fenced, ...inline]) {
      const parsed = parseCommandLine(shown.args, commands)
      expect(Either.isRight(parsed), `${shown.where}: dockless ${shown.args.join(" ")}`).toBe(true)
    }
  })

  it("runs every one shown in a code block, and each exits 0", () => {
    for (const shown of fenced) {
      if ((shown.args.find((a) => !a.startsWith("-")) ?? "run") === "run") continue
      const args = forTest(shown.args)
      const r = spawnSync(process.execPath, [BUNDLE, ...args], {
        cwd: tempDir("dockless-doc-cwd-"),
        encoding: "utf8",
        timeout: 15_000,
      })
      expect(r.status, `${shown.where}: dockless ${args.join(" ")}\n${r.stderr}`).toBe(0)
    }
  })
})
