// Where memory grows, when RSS does: heap snapshots of the daemon (started with
// --heapsnapshot-signal=SIGUSR2 and --diagnostic-dir, see `heapArgs`) compared by constructor.
// Counts and self sizes per constructor name; the diff of two snapshots lists what grew most.
// Names are only readable from an unminified bundle: build one with
// `node test/soak/plainBundle.mjs` and run with SOAK_BUNDLE=dist-plain/dockless.mjs.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { sleep, waitFor } from "./support.ts"

export const heapArgs = (dir: string): ReadonlyArray<string> => [
  "--heapsnapshot-signal=SIGUSR2",
  `--diagnostic-dir=${dir}`,
]

interface HeapSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: ReadonlyArray<string>
      readonly node_types: ReadonlyArray<ReadonlyArray<string> | string>
    }
  }
  readonly nodes: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}

export interface Census {
  readonly file: string
  readonly totalBytes: number
  readonly byName: ReadonlyMap<string, { count: number; bytes: number }>
}

/** Counts the nodes of a snapshot by constructor (objects) or by kind (strings, closures, code...). */
export const census = (file: string): Census => {
  const heap: HeapSnapshot = JSON.parse(readFileSync(file, "utf8"))
  const fields = heap.snapshot.meta.node_fields
  const width = fields.length
  const typeAt = fields.indexOf("type")
  const nameAt = fields.indexOf("name")
  const sizeAt = fields.indexOf("self_size")
  const types = heap.snapshot.meta.node_types[typeAt]
  const typeNames = Array.isArray(types) ? types : []
  const byName = new Map<string, { count: number; bytes: number }>()
  let totalBytes = 0
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = typeNames[heap.nodes[i + typeAt] ?? 0] ?? "?"
    const name = heap.strings[heap.nodes[i + nameAt] ?? 0] ?? "?"
    const bytes = heap.nodes[i + sizeAt] ?? 0
    const key = type === "object" || type === "closure" ? `${type}:${name}` : `(${type})`
    const entry = byName.get(key) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += bytes
    byName.set(key, entry)
    totalBytes += bytes
  }
  return { file, totalBytes, byName }
}

/** What grew most from `before` to `after`, by bytes. */
export const growth = (before: Census, after: Census, top = 15) =>
  [...after.byName]
    .map(([name, a]) => {
      const b = before.byName.get(name) ?? { count: 0, bytes: 0 }
      return { name, count: a.count - b.count, kib: Math.round((a.bytes - b.bytes) / 1024), now: a.count }
    })
    .sort((x, y) => y.kib - x.kib)
    .slice(0, top)

/** Signals the daemon for a snapshot and waits until its file is complete; answers its path. */
export const takeSnapshot = async (pid: number, dir: string): Promise<string> => {
  const before = new Set(readdirSync(dir).filter((f) => f.endsWith(".heapsnapshot")))
  process.kill(pid, "SIGUSR2")
  const file = await waitFor(
    "the heap snapshot",
    () => readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f)),
    120_000,
  )
  // Written in one go by the daemon; done once its size stops changing.
  let size = -1
  for (;;) {
    await sleep(1000)
    const now = statSync(join(dir, file)).size
    if (now === size && now > 0) return join(dir, file)
    size = now
  }
}
