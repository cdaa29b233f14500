// JSON answers, each encoded through its schema in ApiSchema.ts on the way out, so what leaves
// Dockless is what the OpenAPI document says (an answer that does not fit is a bug: a defect).
import * as Schema from "effect/Schema"
import type { ServiceView } from "../actors/ServiceView.ts"
import * as Api from "./ApiSchema.ts"
import { json } from "./HttpErrors.ts"
import { encoder } from "../config/Decoding.ts"

/** An answer encoder for one schema, compiled on first use. */
export const answer = <A, I>(schema: Schema.Schema<A, I>) => {
  const encode = encoder(schema)
  return (status: number, value: A, headers: Record<string, string> = {}): Response =>
    json(status, encode(value), headers)
}

let encodeView: ((view: unknown) => unknown) | undefined

/**
 * A view as it goes on the wire. Views published before `log_error` existed (issue 9) carry
 * none; they show null.
 */
export const wireView = (view: ServiceView & { readonly log_error?: string | null }) => {
  encodeView ??= Schema.encodeUnknownSync(Api.ServiceView)
  return encodeView({ ...view, log_error: view.log_error ?? null })
}

export const viewAnswer = (status: number, view: ServiceView, headers: Record<string, string> = {}) =>
  json(status, wireView(view), headers)
