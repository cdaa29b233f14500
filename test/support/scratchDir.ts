// Every temporary directory the suite makes (mkdtemp under os.tmpdir(), in tests and in the
// daemons they start) lands in one directory per run, removed when the run ends, so a run
// leaves nothing behind in /tmp.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "dockless-tests-"))
  // Workers and the processes they spawn inherit it; os.tmpdir() follows TMPDIR.
  process.env["TMPDIR"] = dir
  return () => {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch (error) {
      console.warn(`could not remove ${dir}: ${String(error)}`)
    }
  }
}
