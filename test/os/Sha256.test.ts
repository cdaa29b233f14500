// The plain-JavaScript SHA-256 and HMAC the daemon takes as it starts, against node:crypto's: the
// same bytes for every length around the block and padding boundaries, for UTF-8 text, and for
// HMAC keys shorter than, equal to and longer than a block, so the instance markers and session
// owner tags of older versions are still recognised.
import { createHash, createHmac, randomBytes } from "node:crypto"
import { describe, expect, it } from "vitest"
import { hex, hmacSha256, sha256 } from "../../src/os/Sha256.ts"

const LENGTHS = [0, 1, 3, 31, 32, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096 + 7]

describe("sha256", () => {
  it("gives node:crypto's digest at every length around the block and padding boundaries", () => {
    for (const length of LENGTHS) {
      const bytes = randomBytes(length)
      expect(hex(sha256(bytes)), `${length} bytes`).toBe(createHash("sha256").update(bytes).digest("hex"))
    }
  })

  it("takes a string as UTF-8, as a data dir path is hashed", () => {
    for (const text of ["", "abc", "/var/lib/dockless", "/home/zoë/données/dockless-✓"])
      expect(hex(sha256(text))).toBe(createHash("sha256").update(text).digest("hex"))
  })

  it("gives FIPS 180-4's digest of 'abc'", () => {
    expect(hex(sha256("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  })
})

describe("hmacSha256", () => {
  it("gives node:crypto's HMAC for keys shorter than, equal to and longer than a block", () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200])
      for (const length of [0, 25, 64, 100]) {
        const key = randomBytes(keyLength).toString("hex").slice(0, keyLength)
        const message = randomBytes(length)
        expect(hex(hmacSha256(key, message)), `key ${keyLength}, message ${length}`).toBe(
          createHmac("sha256", key).update(message).digest("hex"),
        )
      }
  })

  it("gives RFC 4231's first test case", () => {
    const key = new Uint8Array(20).fill(0x0b)
    expect(hex(hmacSha256(key, "Hi There"))).toBe(
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    )
  })
})
