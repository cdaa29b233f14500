// `npm run package`: Debian packages of the bundle in dist/, built with dpkg-deb alone (no network,
// no debhelper): dockless_VERSION_amd64.deb and dockless_VERSION_arm64.deb, each with the notify
// addon for its CPU, and dockless_VERSION_all.deb without any binary (there `dockless check` says
// ready = "notify" and watchdog are unavailable). What goes where: docs/packaging.md. The
// maintainer scripts are packaging/debian/; the man page and the bash completion are written from
// the CLI's own command list (src/cli/ManPage.ts, completion.ts); the copyright file from the
// build's dist/licenses.json (scripts/licenses.mjs).
// Usage: node scripts/package-deb.mjs [--dist DIR] [--out DIR] [--version X] [--arch amd64,arm64,all] [--quiet]
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmod, cp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises"
import { existsSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { gzipSync } from "node:zlib"
import { debianLicense, debianLicenseText } from "./licenses.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback
}
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"))
const dist = resolve(option("dist", join(root, "dist")))
const out = resolve(option("out", dist))
const version = option("version", pkg.version)
const arches = option("arch", "amd64,arm64,all").split(",")
const nodeArch = { amd64: "x64", arm64: "arm64" }

if (!existsSync(join(dist, "dockless.mjs")))
  throw new Error(`${dist} has no build: run \`npm run build\` first`)

// The CLI's own description of itself, for the man page and the completion.
const { register } = await import("tsx/esm/api")
register()
const { commands } = await import(pathToFileURL(join(root, "src/cli/commands.ts")).href)
const { manPage } = await import(pathToFileURL(join(root, "src/cli/ManPage.ts")).href)
const { bashCompletion } = await import(pathToFileURL(join(root, "src/cli/completion.ts")).href)

// One date for every file and changelog entry: the commit's, so a rebuild gives the same package.
const epoch = (() => {
  if (process.env.SOURCE_DATE_EPOCH !== undefined) return Number(process.env.SOURCE_DATE_EPOCH)
  try {
    return Number(execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: root, encoding: "utf8" }).trim())
  } catch {
    return Math.floor(Date.now() / 1000)
  }
})()
const date = new Date(epoch * 1000)
const maintainer = "Dockless maintainers <dockless@users.noreply.github.com>"

/**
 * debian/changelog from CHANGELOG.md: one entry per `## VERSION — YYYY-MM-DD` heading (noon UTC
 * that day), its bullets (or its paragraph) as items. A --version newer than the file's newest
 * entry gets an entry of its own, dated by the commit.
 */
const debianChangelog = (markdown) => {
  const entries = []
  for (const section of markdown.split(/^## /m).slice(1)) {
    const [heading = "", ...body] = section.split("\n")
    const v = /^\[?(\d+\.\d+\.\d+)/.exec(heading)?.[1]
    if (v === undefined) continue
    const day = /(\d{4}-\d{2}-\d{2})/.exec(heading)?.[1]
    const text = body.join("\n").trim()
    const bullets = text.split(/^[-*] /m)
    const items = (bullets.length > 1 ? bullets.slice(1) : [text])
      .map((item) => item.replace(/\s+/g, " ").trim())
      .filter((item) => item !== "")
      .map((item) => `  * ${item.replace(/(.{1,74})(\s|$)/g, "$1\n    ").trimEnd()}`)
    entries.push({
      v,
      at: day === undefined ? date : new Date(`${day}T12:00:00Z`),
      items: items.length > 0 ? items : [`  * Release ${v}.`],
    })
  }
  if (entries[0]?.v !== version) {
    const after = (entries[0]?.at.getTime() ?? 0) + 3600_000
    entries.unshift({
      v: version,
      at: new Date(Math.max(date.getTime(), after)),
      items: [`  * Release ${version}.`],
    })
  }
  const stamp = (at) => at.toUTCString().replace(/GMT$/, "+0000")
  return entries
    .map(
      ({ v, at, items }) =>
        `dockless (${v}) unstable; urgency=medium\n\n${items.join("\n")}\n\n -- ${maintainer}  ${stamp(at)}\n`,
    )
    .join("\n")
}

/**
 * debian/copyright in Debian's machine-readable format: Dockless, then one stanza per third-party
 * package it ships (dist/licenses.json, written by the build from what esbuild bundled), each with
 * its own license text (GPL-2 and Apache-2.0 referred to in /usr/share/common-licenses). The
 * bundle mixes the packages in dockless.mjs and chunks/, so their Files patterns name them where
 * they come from, node_modules/NAME/ of the build, and a Comment says where they went.
 */
const copyright = (license, thirdParty) => {
  const indent = (text) =>
    text
      .trimEnd()
      .split("\n")
      .map((line) => (line.trim() === "" ? " ." : ` ${line.trimEnd()}`))
  const holders = (list) => list.map((holder, i) => `${i === 0 ? "Copyright:" : "          "} ${holder}`)
  return [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "Upstream-Name: dockless",
    "Source: https://github.com/dockless/dockless",
    "Comment: usr/lib/dockless/dockless.mjs and usr/lib/dockless/chunks/ bundle, minified, the",
    " npm packages named below by their place in the build tree (node_modules/NAME/).",
    "",
    "Files: *",
    `Copyright: ${/Copyright \(c\) (.*)/i.exec(license)?.[1] ?? "the Dockless authors"}`,
    "License: Expat",
    ...indent(license.replace(/^MIT License\s*\n/i, "")),
    ...thirdParty.flatMap((p) => [
      "",
      `Files: node_modules/${p.name}/*`,
      ...holders(p.copyright),
      `License: ${debianLicense(p.license)}`,
      ...indent(debianLicenseText(p.text)),
      `Comment: ${p.name} ${p.version}, ${
        p.ships === "bundle"
          ? "bundled into usr/lib/dockless/dockless.mjs and usr/lib/dockless/chunks/."
          : `installed as usr/lib/dockless/${p.ships}.`
      }`,
    ]),
    "",
  ].join("\n")
}

/** The unit as the package installs it: the launcher is /usr/bin/dockless. */
const packagedUnit = (unit) =>
  unit
    .replace(
      /^# Installed by `dockless install` to \/etc\/systemd\/system\/dockless.service.$/m,
      "# Installed by the Debian package dockless to /lib/systemd/system/dockless.service.",
    )
    .replace(/^ExecStart=\/usr\/local\/bin\/dockless$/m, "ExecStart=/usr/bin/dockless")

const write = async (path, content, mode = 0o644) => {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, content)
  await chmod(path, mode)
}

/** Every regular file below `top`, relative to it. */
const filesBelow = async (top) =>
  (await readdir(top, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(top, join(e.parentPath, e.name)))
    .sort()

const duBytes = async (top) => {
  let bytes = 0
  for (const file of await filesBelow(top)) bytes += (await stat(join(top, file))).size
  return bytes
}

const built = []
await mkdir(out, { recursive: true })
for (const arch of arches) {
  const tree = join(out, `.deb-${arch}-${process.pid}`)
  await rm(tree, { recursive: true, force: true })
  const lib = join(tree, "usr/lib/dockless")
  await mkdir(lib, { recursive: true })
  // The bundle and dashboard; the unit, default config and schema go to their own places below.
  for (const entry of ["dockless.mjs", "dockless.mjs.map", "chunks", "static", "config.schema.json"])
    await cp(join(dist, entry), join(lib, entry), { recursive: true })
  // /usr/bin/dockless runs the bundle with node: its modules need no `#!` line (which esbuild's
  // banner puts on every chunk), so it becomes a comment, keeping the source map's line numbers.
  for (const file of await filesBelow(lib))
    if (file.endsWith(".mjs")) {
      const path = join(lib, file)
      const code = await readFile(path, "utf8")
      if (code.startsWith("#!"))
        await writeFile(path, code.replace(/^#![^\n]*/, "// run by /usr/bin/dockless"))
    }
  await chmod(join(lib, "dockless.mjs"), 0o644)
  if (arch !== "all") {
    const addon = `linux-${nodeArch[arch]}`
    await cp(join(dist, "sd-notify", addon), join(lib, "sd-notify", addon), { recursive: true })
  }
  await write(
    join(tree, "usr/bin/dockless"),
    `#!/bin/sh\n# Runs Dockless with the Node flags that keep its memory small (package.json nodeFlags).\nexec /usr/bin/node ${pkg.nodeFlags.join(" ")} /usr/lib/dockless/dockless.mjs "$@"\n`,
    0o755,
  )
  await write(
    join(tree, "lib/systemd/system/dockless.service"),
    packagedUnit(await readFile(join(dist, "dockless.service"), "utf8")),
  )
  await write(join(tree, "etc/dockless/config.toml"), await readFile(join(dist, "config.default.toml")))
  // The schema the config's `#:schema ./config.schema.json` names: always this version's.
  // (Absolute, as Debian policy wants a link from /etc into /usr.)
  await symlink("/usr/lib/dockless/config.schema.json", join(tree, "etc/dockless/config.schema.json"))
  const doc = join(tree, "usr/share/doc/dockless")
  await write(
    join(doc, "copyright"),
    copyright(
      await readFile(join(root, "LICENSE"), "utf8"),
      JSON.parse(await readFile(join(dist, "licenses.json"), "utf8")),
    ),
  )
  const changelog = debianChangelog(await readFile(join(root, "CHANGELOG.md"), "utf8"))
  await write(join(doc, "changelog.gz"), gzipSync(changelog, { level: 9 }))
  await write(join(doc, "README.md.gz"), gzipSync(await readFile(join(root, "README.md")), { level: 9 }))
  const man = manPage(commands, { version, date: date.toISOString().slice(0, 10) })
  await write(join(tree, "usr/share/man/man8/dockless.8.gz"), gzipSync(man, { level: 9 }))
  await write(join(tree, "usr/share/bash-completion/completions/dockless"), `${bashCompletion(commands)}\n`)

  // Modes as Debian wants them, whatever the umask: directories 755, files 644, executables 755.
  for (const entry of await readdir(tree, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name)
    if (entry.isDirectory()) await chmod(path, 0o755)
    else if (entry.isFile() && ((await stat(path)).mode & 0o111) === 0) await chmod(path, 0o644)
  }

  const control = join(tree, "DEBIAN")
  await mkdir(control, { mode: 0o755 })
  const md5 = []
  for (const file of await filesBelow(tree))
    if (!file.startsWith("DEBIAN/") && !file.startsWith("etc/"))
      md5.push(
        `${createHash("md5")
          .update(await readFile(join(tree, file)))
          .digest("hex")}  ${file}`,
      )
  await write(join(control, "md5sums"), `${md5.join("\n")}\n`)
  await write(join(control, "conffiles"), "/etc/dockless/config.toml\n")
  for (const script of ["preinst", "postinst", "prerm", "postrm"])
    await write(join(control, script), await readFile(join(root, "packaging/debian", script)), 0o755)
  const depends = ["nodejs (>= 20.19)", ...(arch === "all" ? [] : ["libc6 (>= 2.17)"])]
  await write(
    join(control, "control"),
    [
      `Package: dockless`,
      `Version: ${version}`,
      `Architecture: ${arch}`,
      `Maintainer: ${maintainer}`,
      `Installed-Size: ${Math.ceil((await duBytes(tree)) / 1024)}`,
      `Depends: ${depends.join(", ")}`,
      `Section: admin`,
      `Priority: optional`,
      `Homepage: https://github.com/dockless/dockless`,
      `Description: single-node supervisor for host binaries, with a web dashboard`,
      ` Dockless runs as a systemd service and supervises host binaries directly (no`,
      ` containers): it starts them, restarts them by policy, captures their output,`,
      ` keeps their ports from colliding, and serves a web dashboard and an HTTP API`,
      ` where a person registers, watches, inspects and restarts services.`,
      ...(arch === "all"
        ? [
            ` .`,
            ` This package has no native code: ready = "notify" and watchdog need the`,
            ` package for your CPU.`,
          ]
        : []),
      ``,
    ].join("\n"),
  )
  // Every file's time is the commit's, so two builds of one commit give the same package.
  execFileSync("find", [tree, "-exec", "touch", "--no-dereference", "-d", `@${epoch}`, "{}", "+"])
  const deb = join(out, `dockless_${version}_${arch}.deb`)
  execFileSync("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", tree, deb], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
  })
  await rm(tree, { recursive: true, force: true })
  built.push(deb)
}

if (!process.argv.includes("--quiet"))
  for (const deb of built) console.log(`${deb} ${((await stat(deb)).size / 1024).toFixed(0)} KiB`)
