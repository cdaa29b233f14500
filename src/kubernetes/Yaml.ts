// The exporter's objects as YAML, through the `yaml` library (loaded only by `dockless export
// kubernetes`): keys sorted so the same input gives the same bytes, strings that a YAML 1.1
// reader (kubectl's) would take for a boolean or a number quoted, and each note as a comment
// above the document or above the key it is about, wrapped to 100 columns.
import { Document, isMap, isScalar, isSeq, type Node } from "yaml"
import type { Manifest, Note } from "./Manifest.ts"

const WIDTH = 100

/** A note's text as comment lines of at most WIDTH columns (each printed after "# "). */
const wrap = (text: string, indent: number): string => {
  const width = Math.max(40, WIDTH - indent - 2)
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  if (line !== "") lines.push(line)
  return lines.map((l) => ` ${l}`).join("\n")
}

/** The node a note is written above: a map's key, a list's item; undefined when not found. */
const nodeAt = (doc: Document, at: ReadonlyArray<string | number>): Node | undefined => {
  const parent = doc.getIn(at.slice(0, -1), true)
  const last = at[at.length - 1]
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last)
    return isScalar(pair?.key) ? pair.key : undefined
  }
  if (isSeq(parent) && typeof last === "number") {
    const item = parent.items[last]
    return isMap(item) || isSeq(item) || isScalar(item) ? item : undefined
  }
  return undefined
}

const join = (notes: ReadonlyArray<Note>, indent: number) => notes.map((n) => wrap(n.text, indent)).join("\n")

/** One object as a YAML document (without the `---` separator). */
export const manifestYaml = (manifest: Manifest): string => {
  const doc = new Document(manifest.object, {
    sortMapEntries: true,
    version: "1.1",
    aliasDuplicateObjects: false,
  })
  const head: Array<Note> = []
  const byPath = new Map<string, { at: ReadonlyArray<string | number>; notes: Array<Note> }>()
  for (const n of manifest.notes) {
    if (n.at.length === 0) {
      head.push(n)
      continue
    }
    const key = JSON.stringify(n.at)
    const entry = byPath.get(key) ?? { at: n.at, notes: [] }
    entry.notes.push(n)
    byPath.set(key, entry)
  }
  for (const { at, notes } of byPath.values()) {
    const node = nodeAt(doc, at)
    if (node === undefined) head.push(...notes)
    else node.commentBefore = join(notes, at.length * 2)
  }
  if (head.length > 0) doc.commentBefore = join(head, 0)
  return doc.toString({ lineWidth: 0 })
}

/** Documents as one stream, `---` between them. */
export const yamlStream = (manifests: ReadonlyArray<Manifest>, preamble: string): string =>
  `${preamble}${manifests.map(manifestYaml).join("---\n")}`
