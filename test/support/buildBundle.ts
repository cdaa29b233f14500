// Builds dist/ once before the suite, so end-to-end tests run exactly what ships.
import { execFileSync } from "node:child_process"

export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs", "--quiet"], { stdio: "inherit" })
}
