// The version Dockless reports (`--version`, /api/health), read from package.json at build time.
import pkg from "../package.json" with { type: "json" }

export const version: string = pkg.version
