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

  /** The cached body for `key`, or a fresh one from `encode`. */
  answer(key: ListKey, encode: () => string): Uint8Array<ArrayBuffer> {
    const held = this.key
    if (
      held === undefined ||
      held.views !== key.views ||
      held.usage !== key.usage ||
      held.second !== key.second
    ) {
      this.body = this.encoder.encode(encode())
      this.key = key
    }
    return this.body
  }
}
