// Picks the port for a service with `port = "auto"`: the one it had before when that is still
// in ports.auto_range and reserved by nobody else (so it is stable across restarts of the
// service and of Dockless), else the lowest port of the range that is neither reserved by a
// service nor taken on the host right now. Pure: the caller passes reservations and host state.
export const allocatePort = (
  range: readonly [number, number],
  reserved: ReadonlySet<number>,
  taken: ReadonlySet<number>,
  previous: number | null | undefined,
): number | undefined => {
  const [low, high] = range
  if (
    previous !== null &&
    previous !== undefined &&
    previous >= low &&
    previous <= high &&
    !reserved.has(previous)
  ) {
    return previous
  }
  for (let port = low; port <= high; port++) {
    if (!reserved.has(port) && !taken.has(port)) return port
  }
  return undefined
}
