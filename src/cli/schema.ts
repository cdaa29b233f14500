// `dockless schema config`: the JSON Schema of config.toml on stdout, generated from the Schemas
// the daemon decodes with (`npm run build` writes it to dist/, install puts it beside the config).
// `dockless schema openapi`: the HTTP API as OpenAPI 3.1, as GET /api/openapi.json serves it.
import { Console, Effect } from "effect"
import { configJsonSchema } from "../config/ConfigJsonSchema.ts"
import { openApiDocument } from "../http/openapi.ts"
import { routes } from "../http/routes.ts"

import type { SchemaKind } from "./commands.ts"

const documents: Record<SchemaKind, () => unknown> = {
  config: configJsonSchema,
  openapi: () => openApiDocument(routes),
}

export const printSchema = (kind: SchemaKind): Effect.Effect<number> =>
  Console.log(JSON.stringify(documents[kind](), null, 2)).pipe(Effect.as(0))
