// GET /api/openapi.json: the HTTP API as an OpenAPI 3.1 document, generated from routes.ts (paths,
// who may call them, what they answer) and ApiSchema.ts (every body and answer), so the
// description cannot drift from the code. The failures every route of a kind can have (401
// without a token, 403 for a foreign Origin on writes, 400/413 for bodies, 404 for an unknown
// service) are added here, from the route's shape.
import { FastResponse } from "srvx"
import { Effect } from "effect"
import * as JSONSchema from "effect/JSONSchema"
import { withoutRefinementTitles } from "../config/ConfigJsonSchema.ts"
import type * as AST from "effect/SchemaAST"
import { serviceNameRule } from "../config/Values.ts"
import { version } from "../version.ts"
import { ErrorBody } from "./ApiSchema.ts"
import { SESSION_COOKIE } from "./auth.ts"
import type { Handler, Route } from "./HttpContext.ts"

/** `/api/services/:name` → `/api/services/{name}`; the dashboard's catch-all `/**` → `/{file}`. */
export const openApiPath = (path: string): string =>
  path.replace(/:([A-Za-z]+)/g, "{$1}").replace(/\/\*\*$/, "/{file}")

const operationId = (route: Route): string =>
  [route.method.toLowerCase(), ...route.path.split(/[/.:*-]+/).filter((s) => s !== "")]
    .map((word, i) => (i === 0 ? word : `${word[0]?.toUpperCase() ?? ""}${word.slice(1)}`))
    .join("")

const pathParameters = (path: string) =>
  [...path.matchAll(/\{([A-Za-z]+)\}/g)].map(([, name]) =>
    name === "name"
      ? {
          name,
          in: "path",
          required: true,
          description: "the service's name",
          schema: { type: "string", pattern: serviceNameRule },
        }
      : {
          name,
          in: "path",
          required: true,
          description: "a file of the dashboard",
          schema: { type: "string" },
        },
  )

const isWrite = (route: Route) => route.method !== "GET"

/** Builds the document; every schema with an identifier lands once in components.schemas. */
export const openApiDocument = (routes: ReadonlyArray<Route>) => {
  const schemas: Record<string, JSONSchema.JsonSchema7> = {}
  const schemaOf = (schema: { readonly ast: AST.AST }) =>
    withoutRefinementTitles(
      JSONSchema.fromAST(schema.ast, {
        definitions: schemas,
        definitionPath: "#/components/schemas/",
        target: "openApi3.1",
      }),
      false,
    )
  const jsonContent = (schema: { readonly ast: AST.AST }) => ({
    "application/json": { schema: schemaOf(schema) },
  })
  const error = (description: string) => ({ description, content: jsonContent(ErrorBody) })

  const operation = (route: Route) => {
    const path = openApiPath(route.path)
    const { doc } = route
    const answer = doc.answer
    const responses: Record<string, unknown> = {
      [answer.status]:
        "json" in answer
          ? { description: doc.summary, content: jsonContent(answer.json) }
          : "media" in answer
            ? { description: answer.description, content: { [answer.media]: {} } }
            : { description: "done; no content" },
    }
    if (doc.body !== undefined || doc.query !== undefined)
      responses[400] = error("the request is not valid: `details` names each problem by key path")
    if (route.access !== "open") responses[401] = error("no token, a wrong token, or an expired session")
    if (isWrite(route))
      responses[403] = error(
        route.access === "open"
          ? "a write from another origin (the Origin header)"
          : "a write from another origin (the Origin header), or by a viewer (read-only) token",
      )
    if (path.includes("{name}")) responses[404] = error("there is no service of that name")
    if (path.includes("{file}")) responses[404] = error("there is no such file")
    if (doc.body !== undefined) responses[413] = error("the body is larger than 64 KiB")
    for (const [status, description] of Object.entries(doc.failures ?? {}))
      responses[status] = error(description)
    return {
      operationId: operationId(route),
      summary: doc.summary,
      security: route.access === "open" ? [] : [{ bearer: [] }, { session: [] }],
      parameters: [
        ...pathParameters(path),
        ...Object.entries(doc.query ?? {}).map(([name, q]) => ({
          name,
          in: "query",
          required: false,
          description: q.description,
          schema: q.schema,
        })),
      ],
      ...(doc.body === undefined ? {} : { requestBody: { required: true, content: jsonContent(doc.body) } }),
      responses,
    }
  }

  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const path = openApiPath(route.path)
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Dockless",
      version,
      description:
        "The HTTP API of Dockless, a supervisor for host binaries. JSON in and out; errors are " +
        "`{ error, details }`. Every route but the open ones needs `Authorization: Bearer <token>` or " +
        "the session cookie POST /api/login sets.",
    },
    paths,
    components: {
      schemas: withoutRefinementTitles(schemas, false),
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "the API token ([auth] or data_dir/token)" },
        session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE },
      },
    },
  }
}

const documents = new WeakMap<ReadonlyArray<Route>, string>()

/** Built on the first request, then served from memory. */
export const openApi: Handler = (_event, ctx) =>
  Effect.sync(() => {
    const cached = documents.get(ctx.routes) ?? JSON.stringify(openApiDocument(ctx.routes))
    documents.set(ctx.routes, cached)
    return new FastResponse(cached, {
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" },
    })
  })
