// Makes the self-signed certificate of `[http] tls = "self-signed"`: an RSA 2048 key (from
// node's crypto) and an X.509 certificate for the host's names and addresses, signed with it by
// node-forge (the library listhen makes its certificates with). Imported only through a dynamic
// import(), so node-forge is its own chunk and a daemon without TLS never loads it.
import { generateKeyPairSync, randomBytes } from "node:crypto"
import { isIP } from "node:net"
import forge from "node-forge"

/** Long-lived on purpose: a user checks its fingerprint once; a new one means checking again. */
const VALIDITY_YEARS = 10

export interface PemPair {
  readonly cert: string
  readonly key: string
}

/** A certificate whose subject is the first name and whose alternative names are all of `names` (host names or IP addresses). */
export const makeSelfSignedCertificate = (names: ReadonlyArray<string>, nowMs: number): PemPair => {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "pkcs1", format: "pem" },
  })
  const key = forge.pki.privateKeyFromPem(privateKey)
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e)
  // A positive serial: the first bit of 16 random bytes cleared.
  cert.serialNumber = `0${randomBytes(16).toString("hex").slice(1)}`
  cert.validity.notBefore = new Date(nowMs)
  cert.validity.notAfter = new Date(nowMs)
  cert.validity.notAfter.setUTCFullYear(cert.validity.notBefore.getUTCFullYear() + VALIDITY_YEARS)
  const subject = [
    { name: "commonName", value: names[0] ?? "localhost" },
    { name: "organizationName", value: "Dockless (self-signed)" },
  ]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: names.map((name) => (isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name })),
    },
  ])
  cert.sign(key, forge.md.sha256.create())
  return { cert: forge.pki.certificateToPem(cert), key: privateKey }
}
