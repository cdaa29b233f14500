// Builds dist-plain/: dist/ with an unminified dockless.mjs that keeps names, so a heap
// snapshot names its constructors (see heap.ts). Diagnosis only: it costs about 9 MiB more
// RSS than the shipped bundle. Run `npm run build` first (the static files are copied from dist/).
import { build } from "esbuild"
import { cp, readFile, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "../..")
const out = join(root, "dist-plain")
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"))
await rm(out, { recursive: true, force: true })
await cp(join(root, "dist"), out, { recursive: true })
await build({
  entryPoints: [join(root, "src/main.ts")],
  outfile: join(out, "dockless.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  keepNames: true,
  sourcemap: false,
  logLevel: "warning",
  banner: {
    js: `#!/usr/bin/env -S node ${pkg.nodeFlags.join(" ")}\nimport { createRequire as __dlCreateRequire } from 'node:module'; const require = __dlCreateRequire(import.meta.url);`,
  },
})
console.log(`built ${out}/dockless.mjs`)
