// The third-party code Dockless ships and the licenses it comes under: every npm package esbuild
// put into the bundle (read from the build's metafile, so the list follows the bundle and cannot
// drift from it) and Alpine's CSP build, copied as static/vendor/alpine.min.js. scripts/build.mjs
// writes dist/licenses.json and dist/THIRD_PARTY_LICENSES with these; package-deb.mjs makes
// debian/copyright of licenses.json; package-sea.mjs writes the notices of its own bundle.
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"

/**
 * The folders of the npm packages a build's outputs hold code of (nested node_modules resolved to
 * the innermost package), from its metafile. Paths in a metafile are relative to the working dir.
 */
export const bundledPackageDirs = (metafile, cwd = process.cwd()) => {
  const dirs = new Set()
  for (const output of Object.values(metafile.outputs))
    for (const input of Object.keys(output.inputs)) {
      const at = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
      if (at?.[1] !== undefined) dirs.add(resolve(cwd, at[1]))
    }
  return [...dirs].sort()
}

/**
 * Packages whose npm tarball carries no license file: the text from their upstream repository.
 * @alpinejs/csp: https://github.com/alpinejs/alpine/blob/main/LICENSE.md (the monorepo it is built in).
 */
const upstreamLicenses = {
  "@alpinejs/csp": `MIT License

Copyright © 2019-2021 Caleb Porzio and contributors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`,
}

/** The lines of a license text that say who holds the copyright (not the GPL's own on its text). */
export const copyrightHolders = (text) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^Copyright\s+(\([cC]\)|©|\d{4}|[A-Z])/.test(line))
    .filter((line) => !/Free Software Foundation/.test(line))
    .map((line) => line.replace(/^Copyright\s+/, "").replace(/^(\([cC]\)|©)\s*/, ""))

/**
 * One shipped package: name, version, SPDX license expression, copyright holders, the full license
 * text, and `ships` (where it is: "bundle", or the path of the file copied into dist/).
 */
export const describePackage = (dir, ships = "bundle") => {
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const license = typeof json.license === "string" ? json.license : json.license?.type
  if (typeof license !== "string") throw new Error(`${json.name}: package.json names no license`)
  const file = readdirSync(dir)
    .filter((name) => /^(licen[cs]e|copying)([.-]|$)/i.test(name))
    .sort()[0]
  const text = file === undefined ? upstreamLicenses[json.name] : readFileSync(join(dir, file), "utf8")
  if (text === undefined)
    throw new Error(`${json.name} ships no license file: add its upstream text to scripts/licenses.mjs`)
  const holders = copyrightHolders(text)
  const author = typeof json.author === "string" ? json.author : json.author?.name
  return {
    name: json.name,
    version: json.version,
    license,
    copyright: holders.length > 0 ? holders : [author ?? `the ${json.name} authors`],
    homepage: json.homepage ?? (typeof json.repository === "string" ? json.repository : json.repository?.url),
    text: `${text.trimEnd()}\n`,
    ships,
  }
}

const rule = (char) => char.repeat(80)
/** "(BSD-3-Clause OR GPL-2.0)" without its outer parentheses. */
const spdx = (license) => license.replace(/^\((.*)\)$/, "$1")

/**
 * THIRD_PARTY_LICENSES: who wrote what Dockless ships, and each license in full. `bundle` names
 * what holds the bundled packages.
 */
export const noticesText = (packages, version, bundle = "dockless.mjs and chunks/") => {
  const bundled = packages.filter((p) => p.ships === "bundle")
  const copied = packages.filter((p) => p.ships !== "bundle")
  return [
    `Third-party software in Dockless ${version}`,
    "",
    `Bundled into ${bundle}, minified and without their comments:`,
    "",
    ...bundled.map((p) => `  ${p.name} ${p.version}: ${spdx(p.license)}`),
    "",
    "Copied as they are:",
    "",
    ...copied.map((p) => `  ${p.name} ${p.version}: ${spdx(p.license)}, as ${p.ships}`),
    "",
    "Each is under its own license, given in full below. Dockless itself is under the MIT License.",
    "",
    ...[...bundled, ...copied].flatMap((p) => [
      rule("="),
      `${p.name} ${p.version}: ${spdx(p.license)}${p.homepage === undefined ? "" : `\n${p.homepage}`}`,
      rule("-"),
      p.text,
    ]),
  ].join("\n")
}

/** SPDX identifiers as Debian's copyright format spells them (MIT is "Expat" there). */
const debianNames = {
  MIT: "Expat",
  ISC: "ISC",
  "BSD-2-Clause": "BSD-2-clause",
  "BSD-3-Clause": "BSD-3-clause",
  "Apache-2.0": "Apache-2.0",
  "GPL-2.0": "GPL-2",
  "GPL-2.0-only": "GPL-2",
  "GPL-2.0-or-later": "GPL-2+",
  "0BSD": "0BSD",
}

/** An SPDX expression as a Debian License short name: "(BSD-3-Clause OR GPL-2.0)" → "BSD-3-clause or GPL-2". */
export const debianLicense = (expression) =>
  expression
    .replace(/[()]/g, "")
    .split(/\s+(OR|AND)\s+/)
    .map((part) => {
      if (part === "OR" || part === "AND") return part.toLowerCase()
      const name = debianNames[part]
      if (name === undefined)
        throw new Error(`no Debian name for the license ${part}: add it to scripts/licenses.mjs`)
      return name
    })
    .join(" ")

/**
 * License texts Debian keeps in /usr/share/common-licenses: a copyright file refers to them instead
 * of repeating them (lintian: copyright-should-refer-to-common-license-file-for-gpl).
 */
const commonLicenses = [
  {
    starts: /^[ \t]*GNU GENERAL PUBLIC LICENSE[ \t]*\n[ \t]*Version 2, June 1991/m,
    note: "On Debian systems, the complete text of the GNU General Public License version 2\ncan be found in /usr/share/common-licenses/GPL-2.",
  },
  {
    starts: /^[ \t]*Apache License[ \t]*\n[ \t]*Version 2\.0, January 2004/m,
    note: "On Debian systems, the complete text of the Apache License 2.0 can be found in\n/usr/share/common-licenses/Apache-2.0.",
  },
]

/** A package's license text for debian/copyright: common licenses referred to, not repeated. */
export const debianLicenseText = (text) => {
  let kept = text
  const notes = []
  for (const { starts, note } of commonLicenses) {
    const at = starts.exec(kept)?.index
    if (at === undefined) continue
    // From the separator line before the license's title, if there is one.
    kept = kept.slice(0, at).replace(/\n[-=]{10,}\s*$/, "\n")
    notes.push(note)
  }
  return [kept.trimEnd(), ...notes].join("\n\n")
}
