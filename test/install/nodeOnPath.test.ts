// nodeForSystemd over stand-in PATH dirs: the first executable `node` wins, an old one and a
// missing one are refused with a sentence that says how to get a suitable Node.
import { Effect, Either } from "effect"
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { nodeForSystemd } from "../../src/cli/install/NodeOnPath.ts"

let dir = ""
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dockless-node-"))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const fakeNode = async (name: string, version: string): Promise<string> => {
  const bin = join(dir, name)
  await mkdir(bin, { recursive: true })
  await writeFile(join(bin, "node"), `#!/bin/sh\necho ${version}\n`)
  await chmod(join(bin, "node"), 0o755)
  return bin
}

const find = (dirs: ReadonlyArray<string>) => Effect.runPromise(Effect.either(nodeForSystemd(dirs)))

describe("nodeForSystemd", () => {
  it("takes the first node on the path, as the launcher's `exec node` will", async () => {
    const first = await fakeNode("local", "22.11.0")
    const second = await fakeNode("usr", "18.19.0")
    expect(await find([join(dir, "empty"), first, second])).toEqual(
      Either.right({ path: join(first, "node"), version: "22.11.0" }),
    )
  })

  it.each(["20.19.0", "20.20.2", "21.0.0", "24.1.0"])("accepts Node %s", async (version) => {
    expect(Either.isRight(await find([await fakeNode("bin", version)]))).toBe(true)
  })

  it.each(["18.19.0", "20.18.3", "v-not-a-version"])(
    "refuses Node %s and says what to install",
    async (version) => {
      const result = await find([await fakeNode("bin", version)])
      expect(Either.isLeft(result) && result.left.message).toMatch(
        new RegExp(`is Node ${version}, but dockless needs Node 20\\.19 or newer; install Node 22 LTS`),
      )
    },
  )

  it("refuses when there is no node on systemd's path at all", async () => {
    const result = await find([join(dir, "nothing-here")])
    expect(Either.isLeft(result) && result.left.message).toContain("there is no node in")
    expect(Either.isLeft(result) && result.left.message).toContain("sudo ln -sf")
  })
})
