// Bundles Dockless into dist/: one executable ES module that runs with plain `node` and no
// node_modules, the dashboard files beside it (static/ and the vendored Alpine CSP build), and
// what `dockless install` copies from there: the systemd unit, the default config and its JSON Schema,
// and the prebuilt notify addon (sd-notify/linux-ARCH/sd_notify.node); and whose code it ships
// (THIRD_PARTY_LICENSES, licenses.json: scripts/licenses.mjs).
// Usage: node scripts/build.mjs [--quiet] [--out DIR]; prints the bundle's size (raw and gzip)
// unless quiet. DOCKLESS_VERSION=X builds it reporting version X (the package tests' upgrades).
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { chmod, cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { builtinModules, createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { bundledPackageDirs, describePackage, noticesText } from "./licenses.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const outAt = process.argv.indexOf("--out")
const dist = outAt > 0 ? resolve(process.argv[outAt + 1] ?? "") : join(root, "dist")
// Built beside dist/ and swapped in with renames, so a test run reading dist/ never sees it half-written.
const staging = join(dirname(dist), `.dist-${process.pid}`)
const bundle = join(staging, "dockless.mjs")
const require = createRequire(import.meta.url)
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"))
const version = process.env.DOCKLESS_VERSION ?? pkg.version
// The commit `dockless --version` and /api/health report; "unknown" outside a git checkout.
const commit = (() => {
  try {
    const hash = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim()
    return hash === "" ? "unknown" : hash
  } catch {
    return "unknown"
  }
})()

// Node's own modules are taken with process.getBuiltinModule() (Node 20.16+), not imported. An
// `import` of a builtin goes through an ES module facade that reads every export once, and on Node
// 22+ some exports are getters that load whole subsystems: node:http's WebSocket loads undici,
// which loads http2, tls, zlib and worker_threads. A bare http server that imports node:http is
// 10.5 MiB heavier on Node 22, 13.7 on 24 and 15 on 26 than one that requires it (Node 20: no
// difference), and compiling what it loads costs each start ~40 ms (docs/measurements.md,
// "Node's builtins without import").
const builtins = new Set(builtinModules)
const builtinsWithoutImport = {
  name: "builtins-without-import",
  setup(esbuild) {
    // A dynamic import() stays Node's: it is lazy already, and the module it resolves to must
    // carry the builtin's exports as its own (src/ takes those it loads late with getBuiltinModule).
    esbuild.onResolve({ filter: /^[a-z_/0-9:]+$/ }, (args) =>
      !args.path.startsWith("node:") && !builtins.has(args.path)
        ? undefined
        : args.kind === "dynamic-import"
          ? { path: args.path, external: true }
          : { path: args.path, namespace: "builtin" },
    )
    // An object that inherits the builtin's exports, and has none of its own: esbuild's CommonJS
    // interop copies a module's own properties by their descriptors, and on Node 22+ reading
    // some of node:util's (parseArgs, diff) loads them and what they need. Each use reads the
    // export through the prototype, when it is used.
    esbuild.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `module.exports = Object.create(process.getBuiltinModule(${JSON.stringify(args.path)}))`,
      loader: "js",
    }))
  },
}

await rm(staging, { recursive: true, force: true })
const server = await build({
  plugins: [builtinsWithoutImport],
  entryPoints: { dockless: join(root, "src/main.ts") },
  outdir: staging,
  // A dynamic import() becomes its own file in chunks/, loaded only when reached: TLS (node-forge)
  // and the terminal's QR code cost nothing to a daemon that does not use them.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // Measured on `run` until /api/health answers: minifySyntax only 77.7 MiB RSS, full minify
  // 69.1 MiB, full minify + keepNames 78.1 MiB. Tagged errors keep their names anyway (from
  // their _tag), so keepNames buys nothing worth 9 MiB on a Pi. For readable stack traces run
  // with NODE_OPTIONS=--enable-source-maps: the map sits beside the bundle and costs no memory
  // until then.
  minify: true,
  sourcemap: "linked",
  sourcesContent: false,
  // The licenses of what it bundles are in THIRD_PARTY_LICENSES (below), whole, not in comments.
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  define: { __DOCKLESS_COMMIT__: JSON.stringify(commit), __DOCKLESS_VERSION__: JSON.stringify(version) },
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: {
    js: `#!/usr/bin/env -S node ${pkg.nodeFlags.join(" ")}\nconst require = process.getBuiltinModule("node:module").createRequire(import.meta.url);`,
  },
})
await chmod(bundle, 0o755)
await cp(join(root, "static"), join(staging, "static"), { recursive: true })
// The dashboard's modules as one file: a first visit fetches one script instead of a chain of
// imports four deep (the checkout's static/ still serves them one by one, for development).
await rm(join(staging, "static/js"), { recursive: true })
const dashboard = await build({
  entryPoints: [join(root, "static/app.js")],
  outfile: join(staging, "static/app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
})
await mkdir(join(staging, "static/vendor"), { recursive: true })
const alpine = join(dirname(require.resolve("@alpinejs/csp/package.json")), "dist/cdn.min.js")
await cp(alpine, join(staging, "static/vendor/alpine.min.js"))
// Whose code ships, from what esbuild put into the bundles, and the copied Alpine: licenses.json for
// the packaging scripts (debian/copyright), THIRD_PARTY_LICENSES for people (npm package, SEA files).
const thirdParty = [
  ...[...new Set([...bundledPackageDirs(server.metafile), ...bundledPackageDirs(dashboard.metafile)])]
    .sort()
    .map((dir) => describePackage(dir)),
  describePackage(dirname(require.resolve("@alpinejs/csp/package.json")), "static/vendor/alpine.min.js"),
]
await writeFile(join(staging, "licenses.json"), `${JSON.stringify(thirdParty, null, 2)}\n`)
await writeFile(join(staging, "THIRD_PARTY_LICENSES"), noticesText(thirdParty, version))
// Precompressed once here, so serving a gzip answer costs the daemon nothing (static.ts picks
// NAME.gz when the browser accepts it).
for (const file of await readdir(join(staging, "static"), { recursive: true })) {
  if (!/\.(html|js|css|svg|json)$/.test(file)) continue
  const path = join(staging, "static", file)
  await writeFile(`${path}.gz`, gzipSync(await readFile(path), { level: 9 }))
}
// The notify addon, prebuilt for linux x64 and arm64 (scripts/build-native.sh), loaded only by a
// service with ready = "notify" or watchdog: beside the bundle, so a copied dist/ has it.
await cp(join(root, "native/sd-notify/prebuilt"), join(staging, "sd-notify"), { recursive: true })
// `dockless install` runs from the bundle alone, so it finds these next to dockless.mjs.
await cp(join(root, "systemd/dockless.service"), join(staging, "dockless.service"))
await cp(join(root, "examples/config.default.toml"), join(staging, "config.default.toml"))
// The JSON Schema the default config's `#:schema` line names, from the bundle just built.
await writeFile(
  join(staging, "config.schema.json"),
  execFileSync(process.execPath, [bundle, "schema", "config"], { encoding: "utf8" }),
)
// The packages `npm run package` and `npm run package:sea` made from the previous build stay, so
// building one after the other keeps both (they are rebuilt from this bundle by running them again).
for (const name of await readdir(dist).catch(() => []))
  if (/^dockless_.*\.deb$|^dockless-linux-/.test(name)) await rename(join(dist, name), join(staging, name))
const retired = join(dirname(dist), `.dist-old-${process.pid}`)
await rename(dist, retired).catch(() => undefined)
await rename(staging, dist)
await rm(retired, { recursive: true, force: true })

if (!process.argv.includes("--quiet")) {
  const code = await readFile(join(dist, "dockless.mjs"))
  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`
  console.log(`dist/dockless.mjs ${kib(code.length)} (gzip ${kib(gzipSync(code).length)})`)
}
