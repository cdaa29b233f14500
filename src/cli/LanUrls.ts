// What `dockless run` prints when started in a terminal (never under systemd): the dashboard's
// URL on each LAN address of this host, and a QR code of the first, to open it from a phone.
// Imported only through a dynamic import(), so uqr is its own chunk, loaded only then; it
// imports nothing the daemon loads at startup, so that chunk shares no code with the bundle.
import { networkInterfaces } from "node:os"
import { renderUnicodeCompact } from "uqr"
import type { Config } from "../config/Config.ts"

const isWildcard = (host: string) => host === "0.0.0.0" || host === "::"

/** The dashboard's URL on every non-loopback IPv4 address, or the one it listens on. */
export const lanUrls = (config: Config, url: string): Array<string> => {
  if (!isWildcard(config.listen_host)) return [url]
  const scheme = url.startsWith("https:") ? "https" : "http"
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((entry) => entry.family === "IPv4" && !entry.internal)
    .map((entry) => `${scheme}://${entry.address}:${config.listen_port}/`)
}

/** The URLs and a QR code of the first, as text for the terminal ("" when there is no LAN address). */
export const lanUrlsText = (config: Config, url: string): string => {
  const urls = lanUrls(config, url)
  if (urls.length === 0) return ""
  return `\n  Dashboard on your LAN:\n${urls.map((u) => `    ${u}`).join("\n")}\n\n${renderUnicodeCompact(urls[0] ?? url)}\n`
}
