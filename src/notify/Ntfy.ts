// An ntfy target's request, as ntfy documents publishing (docs.ntfy.sh/publish): POST the
// message text to the topic URL, with Title, Priority (1 min .. 5 max) and Tags headers (tags
// that name an emoji show as one; the service's name shows as a plain tag), and an access token
// as a bearer Authorization when the topic needs one. Header values stay printable ASCII: Node
// refuses others, and service names are ASCII anyway.
import { Redacted } from "effect"
import type { AlertKind } from "../config/NotifySpec.ts"
import type { AlertPayload } from "./Alert.ts"
import type { PostRequest } from "./HttpPost.ts"

const looks: Readonly<Record<AlertKind | "test", { readonly priority: number; readonly tag: string }>> = {
  failed: { priority: 5, tag: "rotating_light" },
  crash_loop: { priority: 4, tag: "repeat" },
  health_failing: { priority: 4, tag: "warning" },
  health_recovered: { priority: 3, tag: "white_check_mark" },
  memory_max: { priority: 4, tag: "warning" },
  dockless_started: { priority: 2, tag: "arrow_forward" },
  dockless_stopped: { priority: 3, tag: "stop_sign" },
  test: { priority: 3, tag: "test_tube" },
}

const ascii = (text: string) => text.replace(/[^\x20-\x7e]/g, "?")

export const ntfyRequest = (
  url: string,
  token: Redacted.Redacted<string> | undefined,
  payload: AlertPayload,
): PostRequest => {
  const look = looks[payload.event]
  const tags = payload.service === null ? [look.tag] : [look.tag, payload.service]
  return {
    url,
    body: payload.message,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      title: ascii(`${payload.host}: ${payload.title}`),
      priority: String(look.priority),
      tags: ascii(tags.join(",")),
      ...(token === undefined ? {} : { authorization: `Bearer ${Redacted.value(token)}` }),
    },
  }
}
