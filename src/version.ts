// Facts about this build of Dockless, read from package.json when it is bundled: the version
// it reports, and the Node flags every launcher passes (a small young generation and no V8
// worker pool keep the daemon's RSS about 35 MiB lower; they cannot be set once Node runs).
import pkg from "../package.json" with { type: "json" }

export const version: string = pkg.version
export const nodeFlags: ReadonlyArray<string> = pkg.nodeFlags
