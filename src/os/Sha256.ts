// SHA-256 and HMAC-SHA-256 (FIPS 180-4, RFC 2104) in plain JavaScript, for the few hashes a
// daemon takes as it starts: the instance marker of its data dir and the owner tags of its
// tokens. Loading node:crypto for them initialises OpenSSL and its JS modules: +0.7 MiB of RSS
// on Node 20, +2.4 MiB on Node 22 and 24, for hashes of a few dozen bytes taken once. The
// results are byte for byte node:crypto's (test/os/Sha256.test.ts), so markers and sessions
// written by older versions are still recognised. Requests hash with node:crypto, loaded with
// the HTTP app.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])

const BLOCK = 64

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n))

/** The message with its padding: a 1 bit, zeros, and its length in bits as 64 bits big-endian. */
const padded = (message: Uint8Array) => {
  const length = Math.ceil((message.length + 9) / BLOCK) * BLOCK
  const out = new Uint8Array(length)
  out.set(message)
  out[message.length] = 0x80
  const view = new DataView(out.buffer)
  const bits = message.length * 8
  view.setUint32(length - 8, Math.floor(bits / 2 ** 32))
  view.setUint32(length - 4, bits >>> 0)
  return view
}

/** Folds one 64-byte block into the state. */
const compress = (state: Uint32Array, data: DataView, offset: number, w: Uint32Array) => {
  for (let t = 0; t < 16; t++) w[t] = data.getUint32(offset + t * 4)
  for (let t = 16; t < 64; t++) {
    const a = w[t - 15] ?? 0
    const b = w[t - 2] ?? 0
    const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)
    const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10)
    w[t] = (w[t - 16] ?? 0) + s0 + (w[t - 7] ?? 0) + s1
  }
  let [a, b, c, d, e, f, g, h] = state as unknown as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  for (let t = 0; t < 64; t++) {
    const t1 =
      (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K[t] ?? 0) + (w[t] ?? 0)) | 0
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  const sums = [a, b, c, d, e, f, g, h]
  for (let i = 0; i < 8; i++) state[i] = (state[i] ?? 0) + (sums[i] ?? 0)
}

/** The SHA-256 digest of the bytes (a string is taken as UTF-8). */
export const sha256 = (message: Uint8Array | string): Uint8Array => {
  const data = padded(typeof message === "string" ? Buffer.from(message, "utf8") : message)
  const state = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ])
  const w = new Uint32Array(64)
  for (let offset = 0; offset < data.byteLength; offset += BLOCK) compress(state, data, offset, w)
  const out = new Uint8Array(32)
  const view = new DataView(out.buffer)
  for (let i = 0; i < 8; i++) view.setUint32(i * 4, state[i] ?? 0)
  return out
}

/** HMAC-SHA-256 of the message under the key (strings taken as UTF-8). */
export const hmacSha256 = (key: Uint8Array | string, message: Uint8Array | string): Uint8Array => {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key
  const block = new Uint8Array(BLOCK)
  block.set(bytes.length > BLOCK ? sha256(bytes) : bytes)
  const inner = new Uint8Array(BLOCK)
  const outer = new Uint8Array(BLOCK)
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = (block[i] ?? 0) ^ 0x36
    outer[i] = (block[i] ?? 0) ^ 0x5c
  }
  const text = typeof message === "string" ? Buffer.from(message, "utf8") : message
  return sha256(Buffer.concat([outer, sha256(Buffer.concat([inner, text]))]))
}

export const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")
