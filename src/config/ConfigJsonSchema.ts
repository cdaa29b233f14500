// The JSON Schema of config.toml, generated from the same Schemas the daemon decodes with
// (Config.ts's configDocument), so editors (Taplo / Even Better TOML, through the `#:schema`
// line at the top of a config) and the dashboard check exactly what `dockless check` checks.
import * as JSONSchema from "effect/JSONSchema"
import { configDocument } from "./Config.ts"

/** Effect names each refinement in `title` ("between(1, 65535)"); editors show titles, so only ours stay. */
export const withoutRefinementTitles = (node: unknown, top = true): unknown => {
  if (Array.isArray(node)) return node.map((item) => withoutRefinementTitles(item, false))
  if (typeof node !== "object" || node === null) return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => top || key !== "title")
      .map(([key, value]) => [
        key,
        key === "properties" ? propertiesWithoutTitles(value) : withoutRefinementTitles(value, false),
      ]),
  )
}

/** Keys of `properties` are names, not keywords: a property called "title" stays. */
const propertiesWithoutTitles = (properties: unknown): unknown =>
  typeof properties === "object" && properties !== null
    ? Object.fromEntries(
        Object.entries(properties).map(([name, value]) => [name, withoutRefinementTitles(value, false)]),
      )
    : properties

export const configJsonSchema = (): unknown => withoutRefinementTitles(JSONSchema.make(configDocument()))
