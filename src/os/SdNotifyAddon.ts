// Loads Dockless's own native addon (native/sd-notify/sd_notify.c): the receiving end of
// sd_notify, a Unix datagram socket that tells who sent each message (Node cannot open one).
// Loaded only when a service asks for it (`ready = "notify"` or `watchdog`), once, from the
// prebuilt binary for this CPU: dist/sd-notify/linux-ARCH/ beside the bundle (or beside a single
// executable, or in ../lib/dockless/ from where `dockless install` put one), or the checkout's
// native/sd-notify/prebuilt/. Where it cannot load, the reason is kept and said by the config
// check: the Debian `_all` package and a single executable copied alone carry no addon.
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { bundleDirOf } from "../bundleDir.ts"

/** One datagram, with its sender's credentials as the kernel gave them (SCM_CREDENTIALS). */
export interface NotifyDatagram {
  readonly pid: number
  readonly uid: number
  readonly gid: number
  readonly text: string
}

export interface NotifyBinding {
  /** Stops reading and closes the socket; the path is the caller's to remove. Idempotent. */
  readonly close: () => void
}

export interface SdNotifyAddon {
  /** Binds a datagram socket at `path` (mode 0666) and calls `onMessage` for each datagram; throws with an errno `code`. */
  readonly bind: (path: string, onMessage: (message: NotifyDatagram) => void) => NotifyBinding
  /** Sends one datagram to `path` from a fresh socket (for tests: a sender outside any service). */
  readonly send: (path: string, text: string) => void
}

const ARCHES: ReadonlyArray<string> = ["x64", "arm64"]

const hasFunction = (value: object, key: string): boolean =>
  key in value && typeof Reflect.get(value, key) === "function"

const isAddon = (value: unknown): value is SdNotifyAddon =>
  typeof value === "object" && value !== null && hasFunction(value, "bind") && hasFunction(value, "send")

/** Where the binary for this CPU would be: beside the bundle, else in the checkout. */
export const addonPath = (arch: string = process.arch): string => {
  const here = bundleDirOf(import.meta.url)
  const file = join(`linux-${arch}`, "sd_notify.node")
  const candidates = [
    join(here, "sd-notify", file),
    join(here, "../lib/dockless/sd-notify", file),
    join(here, "../../native/sd-notify/prebuilt", file),
  ]
  return candidates.find((path) => existsSync(path)) ?? candidates[0] ?? file
}

const load = (): SdNotifyAddon | string => {
  if (process.platform !== "linux") return `the notify addon is built for Linux only, not ${process.platform}`
  if (!ARCHES.includes(process.arch))
    return `the notify addon is prebuilt for linux x64 and arm64 only, not for this CPU (${process.arch})`
  const path = addonPath()
  if (!existsSync(path))
    return (
      `this build of Dockless has no notify addon for linux-${process.arch} (${path} does not exist), ` +
      'so it cannot offer ready = "notify" or watchdog: install the package for your CPU ' +
      `(dockless_VERSION_${process.arch === "x64" ? "amd64" : process.arch}.deb), or put sd-notify/ from the release beside it`
    )
  try {
    const loaded: unknown = createRequire(import.meta.url)(path)
    return isAddon(loaded) ? loaded : `${path} is not Dockless's notify addon (no bind and send)`
  } catch (error) {
    return `the notify addon ${path} does not load: ${error instanceof Error ? error.message : String(error)}`
  }
}

let loaded: SdNotifyAddon | string | undefined

/** The addon, or why it cannot be had here; loaded at the first call only. */
export const sdNotifyAddon = (): SdNotifyAddon | string => (loaded ??= load())
