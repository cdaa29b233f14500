// Figures an end-to-end test measured on its way, written as JSON lines to $DOCKLESS_FIGURES
// when it is set (nothing otherwise), so a note can quote the numbers a test run produced:
// `DOCKLESS_FIGURES=/tmp/figures.jsonl npx vitest run --project unit test/daemon/treeFinished.test.ts`.
import { appendFileSync } from "node:fs"

export const figure = (name: string, value: number, unit: string): void => {
  const file = process.env["DOCKLESS_FIGURES"]
  if (file !== undefined) appendFileSync(file, `${JSON.stringify({ name, value, unit })}\n`)
}
