// Bundles Dockless into dist/: one ES module that runs with plain `node` and no node_modules,
// plus the dashboard files beside it (static/ and the vendored Alpine CSP build).
import { build } from "esbuild"
import { cp, mkdir, rm, stat } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const dist = join(root, "dist")
const require = createRequire(import.meta.url)

await rm(dist, { recursive: true, force: true })
await build({
  entryPoints: [join(root, "src/main.ts")],
  outfile: join(dist, "dockless.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __dlCreateRequire } from 'node:module'; const require = __dlCreateRequire(import.meta.url);",
  },
})
await cp(join(root, "static"), join(dist, "static"), { recursive: true })
await mkdir(join(dist, "static/vendor"), { recursive: true })
const alpine = join(dirname(require.resolve("@alpinejs/csp/package.json")), "dist/cdn.min.js")
await cp(alpine, join(dist, "static/vendor/alpine.min.js"))
if (!process.argv.includes("--quiet")) {
  const { size } = await stat(join(dist, "dockless.mjs"))
  console.log(`dist/dockless.mjs ${(size / 1024).toFixed(0)} KiB`)
}
