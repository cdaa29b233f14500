// `dockless completion bash` run by a real bash: the script the bundle prints is loaded, and the
// completion function is called as bash calls it on <Tab> (COMP_WORDS, COMP_CWORD). Service names
// come from `dockless status`; a `dockless` on PATH that prints a status table stands in for it.
import { execFileSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BUNDLE } from "../support/daemon.ts"

let dir = ""
let script = ""

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "dockless-completion-"))
  script = join(dir, "dockless.bash")
  writeFileSync(script, execFileSync(process.execPath, [BUNDLE, "completion", "bash"], { encoding: "utf8" }))
  const status = ["NAME  STATE    PID", "api   running  41", "db    stopped  -", "", "db: port 5432 is taken"]
  writeFileSync(
    join(dir, "dockless"),
    [
      "#!/bin/sh",
      // With --config, the services of that config's daemon: a name that says which file it was.
      `[ "$1" = status ] && [ "$2" = --config ] && printf '%s\\n' 'NAME  STATE' "from-$(basename "$3")  running" && exit 0`,
      `[ "$1" = status ] && printf '%s\\n' ${status.map((l) => `'${l}'`).join(" ")}`,
      "",
    ].join("\n"),
  )
  chmodSync(join(dir, "dockless"), 0o755)
  writeFileSync(join(dir, "config.toml"), "")
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What <Tab> offers after `line` (the word being completed is the last, maybe empty). */
const complete = (line: string): ReadonlyArray<string> => {
  const words = line.split(" ")
  const program = `source ${JSON.stringify(script)}
COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(" ")})
COMP_CWORD=${words.length - 1}
_dockless
printf '%s\\n' "\${COMPREPLY[@]}"`
  const out = execFileSync("bash", ["-c", program], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: `${dir}:/usr/bin:/bin` },
  })
  return out.split("\n").filter((w) => w !== "")
}

describe("dockless completion bash", () => {
  it("completes command names", () => {
    expect(complete("dockless lo")).toEqual(["logs"])
    expect(complete("dockless s")).toEqual(["status", "start", "stop", "schema"])
  })

  it("completes a command's own options and the global ones", () => {
    expect(complete("dockless logs -")).toEqual([
      "--lines",
      "-n",
      "--follow",
      "-f",
      "--config",
      "--help",
      "-h",
    ])
    expect(complete("dockless install --d")).toEqual(["--dry-run"])
  })

  it("completes service names from the running daemon's status", () => {
    expect(complete("dockless restart ")).toEqual(["api", "db"])
    expect(complete("dockless logs a")).toEqual(["api"])
  })

  it("completes the services of the daemon the line's --config names, and skips options to find the command", () => {
    expect(complete("dockless --config examples/config.toml start ")).toEqual(["from-config.toml"])
    expect(complete("dockless start --config other.toml ")).toEqual(["from-other.toml"])
    expect(complete("dockless --config=x.toml logs ")).toEqual(["from-x.toml"])
    expect(complete("dockless --config examples/config.toml st")).toEqual(["status", "start", "stop"])
    expect(complete("dockless --config x.toml logs -n 5 ")).toEqual(["from-x.toml"])
    expect(complete("dockless --config x.toml logs -")).toContain("--follow")
  })

  it("completes schema kinds, shells, and files after --config", () => {
    expect(complete("dockless schema ")).toEqual(["config", "openapi"])
    expect(complete("dockless completion ")).toEqual(["bash"])
    expect(complete("dockless check --config conf")).toEqual(["config.toml"])
  })
})
