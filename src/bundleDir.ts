// The folder of the running bundle (dist/ or /usr/local/lib/dockless), where its dashboard and
// install files sit, from any module of it: esbuild puts code split off the entry in chunks/.
import { basename, dirname } from "node:path"
import { fileURLToPath } from "node:url"

export const bundleDirOf = (moduleUrl: string): string => {
  const here = dirname(fileURLToPath(moduleUrl))
  return basename(here) === "chunks" ? dirname(here) : here
}
