// Builds decoded ServiceSpecs for in-process tests through the real decoder, so tests state
// only what matters to them and the defaults are the ones users get.
import { decodeServiceSpec, defaultLog, type ServiceSpec } from "../../src/config/ServiceSpec.ts"
import { FIXTURES } from "./daemon.ts"

export const specOf = (name: string, table: Record<string, unknown>): ServiceSpec => {
  const decoded = decodeServiceSpec(table, {
    name,
    baseDir: FIXTURES,
    defaults: {},
    log: defaultLog,
    pathPrefix: "",
  })
  if (decoded._tag === "Left") throw new Error(JSON.stringify(decoded.left))
  return decoded.right
}
