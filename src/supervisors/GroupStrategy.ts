// Which siblings go down with a child that must be restarted, by OTP's strategies: none for
// one_for_one, all the others for one_for_all, those started after it for rest_for_one.
// Pure; the group supervisor stops them in reverse order and starts them again in order.
import type { Strategy } from "../config/Config.ts"

export const siblingsToRestart = (
  strategy: Strategy,
  children: ReadonlyArray<string>,
  child: string,
): Array<string> => {
  const at = children.indexOf(child)
  if (at === -1) return []
  switch (strategy) {
    case "one_for_one":
      return []
    case "one_for_all":
      return children.filter((c) => c !== child)
    case "rest_for_one":
      return children.slice(at + 1)
  }
}
