// GET /api/services encoded once per change instead of once per request: 200 views are ~130 KB
// of JSON, and encoding them for every poll capped the list at ~180 requests/s on a shared core.
// An answer holds while no view changed, the monitor took no new sample, and the second is the
// same (uptime_s counts whole seconds).
export interface ListKey {
  readonly views: number
  readonly usage: object
  readonly second: number
}

export class ListCache {
  private key: ListKey | undefined
  private body = new Uint8Array(0)
  private readonly encoder = new TextEncoder()

  /** The body encoded for `key`, if it still holds. */
  held(key: ListKey): Uint8Array<ArrayBuffer> | undefined {
    const k = this.key
    return k !== undefined && k.views === key.views && k.usage === key.usage && k.second === key.second
      ? this.body
      : undefined
  }

  /** Keeps `json` as the body for `key`. */
  keep(key: ListKey, json: string): Uint8Array<ArrayBuffer> {
    this.body = this.encoder.encode(json)
    this.key = key
    return this.body
  }
}
