// The command line as parseArgs reads it through the command list: every command's options and
// positionals, `--help` for all or one command, and each usage error (exit 2) naming what is wrong.
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { parseCommandLine } from "../../src/cli/Argv.ts"
import { commands } from "../../src/cli/commands.ts"

const parse = (...args: ReadonlyArray<string>) => parseCommandLine(args, commands)

/** What a command would run with: its name, positionals and the options it reads. */
const runs = (...args: ReadonlyArray<string>) => {
  const parsed = parse(...args)
  if (Either.isLeft(parsed)) throw new Error(parsed.left)
  if (parsed.right._tag !== "Run") throw new Error(`not a run: ${parsed.right._tag}`)
  const { command, line } = parsed.right
  return {
    command: command.name,
    positionals: line.positionals,
    config: line.string("config"),
    lines: line.string("lines"),
    follow: line.flag("follow"),
    json: line.flag("json"),
  }
}

const usageError = (...args: ReadonlyArray<string>) => {
  const parsed = parse(...args)
  if (Either.isRight(parsed)) throw new Error(`parsed: ${JSON.stringify(parsed.right._tag)}`)
  return parsed.left
}

describe("parseCommandLine", () => {
  it("runs the daemon when given nothing, or only --config", () => {
    expect(runs()).toMatchObject({ command: "run", positionals: [] })
    expect(runs("--config", "/etc/x.toml")).toMatchObject({ command: "run", config: "/etc/x.toml" })
  })

  it.each([
    [["status", "web", "--json"], { command: "status", positionals: ["web"], json: true }],
    [["--config=/c.toml", "status"], { command: "status", config: "/c.toml" }],
    [["logs", "web", "-n", "50", "-f"], { command: "logs", positionals: ["web"], lines: "50", follow: true }],
    [
      ["logs", "--lines=7", "--follow", "web"],
      { command: "logs", positionals: ["web"], lines: "7", follow: true },
    ],
    [
      ["restart", "web", "--config", "c.toml"],
      { command: "restart", positionals: ["web"], config: "c.toml" },
    ],
    [["schema", "openapi"], { command: "schema", positionals: ["openapi"] }],
    [["completion", "bash"], { command: "completion", positionals: ["bash"] }],
  ])("reads %j", (args, expected) => {
    expect(runs(...args)).toMatchObject(expected)
  })

  it("gives the overall help for --help, -h and help, and a command's own for CMD --help and help CMD", () => {
    for (const args of [["--help"], ["-h"], ["help"]])
      expect(parse(...args)).toEqual(Either.right({ _tag: "Help", command: undefined }))
    for (const args of [
      ["logs", "--help"],
      ["help", "logs"],
      ["logs", "-h", "web"],
    ]) {
      const parsed = parse(...args)
      expect(Either.isRight(parsed) && parsed.right._tag === "Help" && parsed.right.command?.name).toBe(
        "logs",
      )
    }
    expect(parse("-V")).toEqual(Either.right({ _tag: "Version" }))
    expect(parse("status", "--version")).toEqual(Either.right({ _tag: "Version" }))
  })

  it.each([
    [["status", "--bogus"], "unknown option --bogus (see dockless --help)"],
    [["run", "--json"], "run takes no --json (see dockless run --help)"],
    [["logs", "web", "-n"], "--lines needs a value"],
    [["status", "--json=yes"], "--json takes no value"],
    [["start"], "start needs a service name (see dockless start --help)"],
    [["stop", "a", "b"], "too many arguments for stop: b"],
    [["frob"], 'unknown command "frob" (see dockless --help)'],
    [["help", "frob"], 'unknown command "frob" (see dockless --help)'],
    [["schema"], "schema needs one of config, openapi (see dockless schema --help)"],
  ])("refuses %j: %s", (args, message) => {
    expect(usageError(...args)).toBe(message)
  })
})
