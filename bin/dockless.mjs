#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size --no-sparkplug --v8-pool-size=0 --no-memory-reducer --expose-gc
// Runs the bundle when `npm run build` made one; otherwise runs the TypeScript sources through tsx.
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const bundle = join(root, "dist/dockless.mjs")
if (existsSync(bundle)) {
  await import(pathToFileURL(bundle).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(join(root, "src/main.ts")).href)
}
