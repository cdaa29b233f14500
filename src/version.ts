// Facts about this build of Dockless: the version it reports (package.json's), the commit it was
// built from (`git rev-parse --short HEAD`, embedded by scripts/build.mjs; "unknown" when built
// outside git, "source" when run from the TypeScript sources), and the Node flags every launcher
// passes (a small young generation and no V8 worker pool keep the daemon's RSS about 35 MiB lower;
// they cannot be set once Node runs).
import pkg from "../package.json" with { type: "json" }

/** Replaced by the bundler with the commit's short hash and the version; undeclared when run from sources. */
declare const __DOCKLESS_COMMIT__: string | undefined
declare const __DOCKLESS_VERSION__: string | undefined

export const version: string = typeof __DOCKLESS_VERSION__ === "string" ? __DOCKLESS_VERSION__ : pkg.version
export const commit: string = typeof __DOCKLESS_COMMIT__ === "string" ? __DOCKLESS_COMMIT__ : "source"
/** What `dockless --version` prints: `0.2.0 (commit 1a2b3c4)`. */
export const versionLine: string = `${version} (commit ${commit})`
export const nodeFlags: ReadonlyArray<string> = pkg.nodeFlags

/**
 * The same, less what only Dockless's heap governor makes good (V8's memory reducer off, gc()
 * exposed): the flags that serve any other small Node process, such as the bench's floor.
 */
export const plainNodeFlags: ReadonlyArray<string> = nodeFlags.filter(
  (flag) => flag !== "--no-memory-reducer" && flag !== "--expose-gc",
)
