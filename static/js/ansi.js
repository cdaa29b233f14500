// ANSI SGR colour codes of a log line, turned into text segments with class names (never into
// HTML: each segment is rendered with x-text). Other escape sequences are dropped. Pure.

const SGR = /\u001b\[([0-9;]*)m/g
const OTHER = /\u001b\[[0-9;?]*[A-Za-z]/g

/** [{ text, cls }]: the line's text cut where its SGR codes change the style. */
export function ansiSegments(line) {
  const text = String(line)
  if (!text.includes("\u001b")) return [{ text, cls: "" }]
  const out = []
  let style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false }
  let last = 0
  const push = (part) => {
    const clean = part.replace(OTHER, "").replace(/\u001b/g, "")
    if (clean === "") return
    const cls = [
      style.bold ? "ansi-bold" : "",
      style.dim ? "ansi-dim" : "",
      style.italic ? "ansi-italic" : "",
      style.underline ? "ansi-underline" : "",
      style.fg === null ? "" : `ansi-fg-${style.fg}`,
      style.bg === null ? "" : `ansi-bg-${style.bg}`,
    ]
      .filter(Boolean)
      .join(" ")
    out.push({ text: clean, cls })
  }
  for (const m of text.matchAll(SGR)) {
    push(text.slice(last, m.index))
    last = m.index + m[0].length
    const codes = m[1] === "" ? [0] : m[1].split(";").map(Number)
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]
      if (c === 0) style = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false }
      else if (c === 1) style.bold = true
      else if (c === 2) style.dim = true
      else if (c === 3) style.italic = true
      else if (c === 4) style.underline = true
      else if (c === 22) style.bold = style.dim = false
      else if (c === 23) style.italic = false
      else if (c === 24) style.underline = false
      else if (c >= 30 && c <= 37) style.fg = c - 30
      else if (c >= 90 && c <= 97) style.fg = c - 90
      else if (c === 39) style.fg = null
      else if (c >= 40 && c <= 47) style.bg = c - 40
      else if (c === 49) style.bg = null
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : 4 // 256-colour and RGB: skipped
    }
  }
  push(text.slice(last))
  return out.length > 0 ? out : [{ text: "", cls: "" }]
}

/** The line without any escape sequence, for search, copy and length. */
export function plainText(line) {
  return String(line)
    .replace(SGR, "")
    .replace(OTHER, "")
    .replace(/\u001b/g, "")
}
