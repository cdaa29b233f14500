// `dockless schema config`: the JSON Schema of config.toml on stdout, generated from the Schemas
// the daemon decodes with (`npm run build` writes it to dist/, install puts it beside the config).
import { Console, Effect } from "effect"
import { configJsonSchema } from "../config/ConfigJsonSchema.ts"

export const schemaKinds = ["config"] as const
export type SchemaKind = (typeof schemaKinds)[number]

const documents: Record<SchemaKind, () => unknown> = {
  config: configJsonSchema,
}

export const printSchema = (kind: SchemaKind): Effect.Effect<number> =>
  Console.log(JSON.stringify(documents[kind](), null, 2)).pipe(Effect.as(0))
