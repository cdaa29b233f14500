// The kernel the daemon instantiates is the one FramerKernel.wat describes: its compiled bytes
// (FramerKernelWasm.ts) are made again from the .wat here, so an edit to one without the other
// (forgetting `npm run build:wasm`) fails. What the kernel does is tested through LineFramer.
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { compiledModule, MODULE } from "../../scripts/build-wasm.mjs"
import { framerKernel, ScriptKernel } from "../../src/actors/FramerKernel.ts"

describe("FramerKernelWasm.ts", () => {
  it("holds FramerKernel.wat as compiled now", async () => {
    expect(readFileSync(MODULE, "utf8")).toBe(await compiledModule())
  })
})

describe("framerKernel", () => {
  it("is the compiled kernel where WebAssembly gets its memory", () => {
    expect(framerKernel()).not.toBeInstanceOf(ScriptKernel)
  })
})
