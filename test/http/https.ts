// A real HTTPS client for the TLS tests: node:https trusting exactly one certificate and
// checking that the server's SHA-256 fingerprint is the one pinned (what a user compares by eye).
import { request } from "node:https"
import { connect } from "node:net"
import { TLSSocket } from "node:tls"

export interface HttpsAnswer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
  readonly fingerprint: string
}

export const httpsRequest = (
  url: string,
  pin: { readonly ca: string; readonly fingerprint: string },
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpsAnswer> =>
  new Promise((done, fail) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers,
        ca: pin.ca,
        checkServerIdentity: (_host, cert) =>
          cert.fingerprint256 === pin.fingerprint
            ? undefined
            : new Error(`fingerprint ${cert.fingerprint256} is not the pinned ${pin.fingerprint}`),
        agent: false,
      },
      (res) => {
        let body = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => (body += chunk))
        res.on("end", () => {
          const socket = res.socket
          const fingerprint = socket instanceof TLSSocket ? socket.getPeerCertificate().fingerprint256 : ""
          done({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint })
        })
      },
    )
    req.on("error", fail)
    req.end(options.body)
  })

/** Sends raw bytes and returns everything the server sends back before it closes. */
export const rawExchange = (port: number, bytes: string): Promise<string> =>
  new Promise((done, fail) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes))
    let answer = ""
    socket.setEncoding("latin1")
    socket.on("data", (chunk: string) => (answer += chunk))
    socket.on("end", () => done(answer))
    socket.on("error", fail)
  })
