// Checks a value against a JSON Schema from Dockless's own OpenAPI document, so the form refuses
// exactly what the daemon refuses: both run the rules generated from the same Effect Schemas.
// Only the keywords that generator writes are understood; the messages read like the daemon's,
// "expected <the schema's description>, got <value>", at a key path like `health.interval`.

const describe = (value) => {
  if (value === undefined) return "nothing"
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return "a table"
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const join = (path, key) => (path === "" ? String(key) : `${path}.${key}`)

const typeOk = (type, value) => {
  switch (type) {
    case "string":
      return typeof value === "string"
    case "boolean":
      return typeof value === "boolean"
    case "number":
      return typeof value === "number" && Number.isFinite(value)
    case "integer":
      return Number.isInteger(value)
    case "array":
      return Array.isArray(value)
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value)
    case "null":
      return value === null
    default:
      return true
  }
}

const equal = (a, b) => JSON.stringify(a) === JSON.stringify(b)

/** The checks on the value itself (not its members); true when it passes them. */
function shapeOk(schema, value, check) {
  if (schema.type !== undefined && !typeOk(schema.type, value)) return false
  if (schema.enum !== undefined && !schema.enum.some((e) => equal(e, value))) return false
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) return false
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return false
    if (schema.format === "uri" && !URL.canParse(value)) return false
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) return false
    if (schema.maximum !== undefined && value > schema.maximum) return false
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return false
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      return false
  }
  if (schema.anyOf !== undefined && !schema.anyOf.some((s) => check(s, value).length === 0)) return false
  if (schema.oneOf !== undefined && schema.oneOf.filter((s) => check(s, value).length === 0).length !== 1)
    return false
  if (schema.not !== undefined && check(schema.not, value).length === 0) return false
  return true
}

/**
 * Every problem of `value` against `schema`, as `{ path, message }`. `root` is the document
 * `$ref`s point into (`#/components/schemas/...`).
 */
export function check(schema, value, root, path = "") {
  const resolve = (s) => {
    let node = s
    while (node && typeof node.$ref === "string") {
      node = node.$ref
        .replace(/^#\//, "")
        .split("/")
        .reduce((at, key) => (at === undefined ? undefined : at[key]), root)
    }
    return node ?? {}
  }
  const go = (raw, v, at, what) => {
    const s = resolve(raw)
    const expected = s.description ?? what
    const fail = () => [{ path: at, message: `expected ${expected ?? "something else"}, got ${describe(v)}` }]
    if (!shapeOk(s, v, (sub, x) => go(sub, x, at, expected))) return fail()
    const issues = (s.allOf ?? []).flatMap((sub) => go(sub, v, at, expected))
    if (Array.isArray(v) && s.items !== undefined && !Array.isArray(s.items))
      v.forEach((item, i) => issues.push(...go(s.items, item, join(at, i), undefined)))
    if (typeOk("object", v)) issues.push(...members(s, v, at))
    return issues
  }
  const members = (s, v, at) => {
    const issues = []
    const known = Object.keys(s.properties ?? {})
    const patterns = Object.entries(s.patternProperties ?? {})
    for (const key of Object.keys(v)) {
      const keyAt = join(at, key)
      if (s.propertyNames !== undefined) {
        const names = resolve(s.propertyNames)
        if (!shapeOk(names, key, (sub, x) => go(sub, x, keyAt, undefined)))
          issues.push({
            path: keyAt,
            message: `expected ${names.description ?? "another key"}, got ${describe(key)}`,
          })
      }
      if (known.includes(key)) issues.push(...go(s.properties[key], v[key], keyAt, undefined))
      const matching = patterns.filter(([pattern]) => new RegExp(pattern).test(key))
      for (const [, sub] of matching) issues.push(...go(sub, v[key], keyAt, undefined))
      if (!known.includes(key) && matching.length === 0 && s.additionalProperties === false)
        issues.push({ path: keyAt, message: `unknown key "${key}"` })
    }
    for (const key of s.required ?? [])
      if (!Object.hasOwn(v, key)) issues.push({ path: join(at, key), message: "is required" })
    return issues
  }
  return go(schema, value, path, undefined)
}
