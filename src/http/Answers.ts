// JSON answers as ApiSchema.ts describes them. A single answer is encoded through its schema on
// the way out (one that does not fit is a bug: a defect). What goes out in bulk (the views of a
// list or a stream, events, log lines) is sent as it is, typed by a schema whose Type is its JSON:
// encoding would only re-check what the compiler checks, and measured 11 MiB of heap growth over
// 40 reads of 200 views. test/http/openapi.test.ts checks what the daemon serves against them.
import type * as Schema from "effect/Schema"
import type { ServiceView } from "../actors/ServiceView.ts"
import { encoder } from "../config/Decoding.ts"
import * as Api from "./ApiSchema.ts"
import { json } from "./HttpErrors.ts"

/** An answer encoder for one schema, compiled on first use. */
export const answer = <A, I>(schema: Schema.Schema<A, I>) => {
  const encode = encoder(schema)
  return (status: number, value: A, headers: Record<string, string> = {}): Response =>
    json(status, encode(value), headers)
}

/** A value sent as it is: only a schema without transformations (Type = JSON) fits here. */
export const asSent = <A>(_schema: Schema.Schema<A, A>, value: A): A => value

/** A view as it goes on the wire: the compiler checks it fits ApiSchema's ServiceView. */
export const wireView = (view: ServiceView) => asSent(Api.ServiceView, view)

export const viewAnswer = (status: number, view: ServiceView, headers: Record<string, string> = {}) =>
  json(status, wireView(view), headers)
