// Reading the newest lines of a rotated log back from disk, with real files: across rotations,
// fewer lines than asked for, a last line still being written, and things that are not logs.
import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { readTail } from "../../src/actors/LogTail.ts"

const logIn = () => join(mkdtempSync(join(tmpdir(), "dockless-tail-")), "svc.log")
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `line ${from + i}\n`).join("")
const texts = (bytes: Buffer) =>
  bytes
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "")

describe("readTail", () => {
  it("reads the newest lines across rotations, oldest first", () => {
    const path = logIn()
    writeFileSync(`${path}.2`, lines(0, 100))
    writeFileSync(`${path}.1`, lines(100, 30_000))
    writeFileSync(path, lines(30_000, 30_050))
    expect(texts(readTail(path, 2, 3))).toEqual(["line 30047", "line 30048", "line 30049"])
    const spanning = texts(readTail(path, 2, 20_000))
    expect(spanning).toHaveLength(20_000)
    expect(spanning[0]).toBe("line 10050")
    expect(spanning.every((text, i) => text === `line ${10_050 + i}`)).toBe(true)
  })

  it("answers every line when fewer are there than asked for, and only the rotations kept", () => {
    const path = logIn()
    writeFileSync(`${path}.2`, lines(0, 10))
    writeFileSync(`${path}.1`, lines(10, 20))
    writeFileSync(path, lines(20, 30))
    expect(texts(readTail(path, 2, 1000))).toEqual(texts(Buffer.from(lines(0, 30))))
    expect(texts(readTail(path, 1, 1000))).toEqual(texts(Buffer.from(lines(10, 30))))
  })

  it("reads no more than it is allowed, and answers only the whole lines within that", () => {
    const path = logIn()
    writeFileSync(`${path}.1`, lines(0, 100))
    writeFileSync(path, lines(100, 200))
    // Each line is 9 bytes ("line 1xx\n"): 40 bytes hold four whole lines and part of a fifth.
    expect(texts(readTail(path, 1, Number.POSITIVE_INFINITY, 40))).toEqual([
      "line 196",
      "line 197",
      "line 198",
      "line 199",
    ])
  })

  it("leaves out a last line that is still being written", () => {
    const path = logIn()
    writeFileSync(path, `${lines(0, 3)}line 3 half`)
    expect(texts(readTail(path, 0, 2))).toEqual(["line 1", "line 2"])
  })

  it("answers nothing for a missing log or a FIFO at its path, without hanging", () => {
    const path = logIn()
    expect(readTail(path, 3, 10).length).toBe(0)
    execFileSync("mkfifo", [path])
    expect(readTail(path, 0, 10).length).toBe(0)
  })
})
