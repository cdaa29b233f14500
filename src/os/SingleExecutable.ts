// Whether this Dockless runs as a single executable (Node's SEA, built by scripts/package-sea.mjs)
// and the files embedded in it: the dashboard (static/…), the unit, the default config and its
// JSON Schema. A bundle run by `node` has them as files beside it instead (bundleDir.ts).
import { getAsset, isSea } from "node:sea"

export const singleExecutable: boolean = isSea()

/** An embedded file's bytes, or undefined when this is no single executable or has no such file. */
export const embeddedFile = (name: string): Uint8Array<ArrayBuffer> | undefined => {
  if (!singleExecutable) return undefined
  try {
    return new Uint8Array(getAsset(name))
  } catch {
    return undefined
  }
}
