// env_file parsing as systemd's EnvironmentFile= reads it.
import { describe, expect, it } from "vitest"
import { parseEnvFile } from "../../src/config/EnvFile.ts"
import { REDACTED, redactEnv, withKeptSecrets } from "../../src/config/Secrets.ts"

describe("parseEnvFile", () => {
  it("reads KEY=VALUE lines, skipping comments and blanks, with export and both quotes", () => {
    const text = [
      "# comment",
      "; also a comment",
      "",
      "PLAIN = some value  ",
      "export EXPORTED=yes",
      `DOUBLE="a \\"quoted\\" \\\\ line\\nnext"`,
      "SINGLE='kept $as \\n is'",
      "EMPTY=",
      "WITH_EQUALS=a=b",
    ].join("\n")
    expect(parseEnvFile(text)).toEqual({
      _tag: "Parsed",
      env: {
        PLAIN: "some value",
        EXPORTED: "yes",
        DOUBLE: 'a "quoted" \\ line\nnext',
        SINGLE: "kept $as \\n is",
        EMPTY: "",
        WITH_EQUALS: "a=b",
      },
    })
  })

  it.each([
    ["no equals sign", "JUSTAKEY", "line 1 is not KEY=VALUE"],
    ["a bad key", "A=1\nBAD KEY=1", "line 2 is not KEY=VALUE"],
    ["an unclosed quote", 'K="open', "line 1 has an unclosed quote"],
  ])("refuses %s, naming the line", (_, text, reason) => {
    expect(parseEnvFile(text)).toEqual({ _tag: "Invalid", reason })
  })
})

describe("secret values", () => {
  it("are redacted by key, and a redacted value sent back takes the kept one", () => {
    expect(redactEnv({ A: "1", S: "x" }, ["S"])).toEqual({ A: "1", S: REDACTED })
    expect(withKeptSecrets({ env: { A: "2", S: REDACTED, T: REDACTED } }, { S: "x" })).toEqual({
      env: { A: "2", S: "x", T: REDACTED },
    })
    expect(withKeptSecrets({ env: { S: "new" } }, { S: "x" })).toEqual({ env: { S: "new" } })
  })
})
