// A webhook target's request: the alert as JSON (AlertPayload), the event in a header for
// routers that do not read bodies, and with a `secret` an HMAC-SHA256 of the exact body bytes in
// X-Dockless-Signature ("sha256=<hex>", the form GitHub's X-Hub-Signature-256 made familiar), so
// the receiver can tell the message came from this Dockless and was not altered.
import { Redacted } from "effect"
import type { AlertPayload } from "./Alert.ts"
import type { PostRequest } from "./HttpPost.ts"

export const SIGNATURE_HEADER = "x-dockless-signature"

/**
 * "sha256=<hex>" of `body` under `secret`: what a receiver recomputes and compares. node:crypto is
 * taken when an alert is signed, not when alerts are configured at start.
 */
export const signatureOf = (secret: string, body: string): string =>
  `sha256=${process.getBuiltinModule("node:crypto").createHmac("sha256", secret).update(body).digest("hex")}`

export const webhookRequest = (
  url: string,
  secret: Redacted.Redacted<string> | undefined,
  payload: AlertPayload,
): PostRequest => {
  const body = JSON.stringify(payload)
  return {
    url,
    body,
    headers: {
      "content-type": "application/json",
      "x-dockless-event": payload.event,
      ...(secret === undefined ? {} : { [SIGNATURE_HEADER]: signatureOf(Redacted.value(secret), body) }),
    },
  }
}
