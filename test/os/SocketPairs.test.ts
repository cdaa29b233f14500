// Socket pairs made ahead for children's output: a real child writes into its end, we read the
// other through the sink, the pair ends when the child has exited, and a sink that says no
// pauses the pair until it is resumed.
import { spawn, type ChildProcess } from "node:child_process"
import { afterEach, describe, expect, it } from "vitest"
import { preparePairs, takePairs, type SocketPair } from "../../src/os/SocketPairs.ts"
import { waitFor } from "../support/daemon.ts"

/** A pair, once one is ready (an earlier test may have taken those made ahead). */
const onePair = () => {
  preparePairs()
  return waitFor("a pair ready", async () => (await takePairs(1))?.[0])
}

/** The socket's libuv handle: where onread's pause is kept. */
const handleOf = (pair: SocketPair) => (pair.ours as unknown as { _handle: { reading: boolean } })._handle

const closed = (pair: SocketPair) => new Promise<void>((done) => pair.ours.once("close", () => done()))

describe("SocketPairs", () => {
  const children: Array<ChildProcess> = []
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL")
  })

  const writer = (bytes: number, pair: SocketPair) => {
    const child = spawn(process.execPath, ["-e", `process.stdout.write(Buffer.alloc(${bytes}, "x"))`], {
      stdio: ["ignore", pair.theirs, "ignore"],
    })
    children.push(child)
    return child
  }

  it("carries what a child writes into its end to the sink, and ends once the child has exited", async () => {
    const pair = await onePair()
    let received = 0
    let wrong = 0
    pair.readInto((n, read) => {
      received += n
      for (let i = 0; i < n; i++) if (read[i] !== 0x78) wrong++
      return true
    })
    const end = closed(pair)
    writer(3_000_000, pair)
    pair.theirs.destroy()
    await end
    expect(received).toBe(3_000_000)
    expect(wrong).toBe(0)
  })

  it("hands out none when fewer are ready than asked for, and makes more", async () => {
    preparePairs()
    expect(await takePairs(100)).toBeUndefined()
    const pairs = await waitFor("four pairs ready", async () => (await takePairs(4)) ?? undefined)
    expect(pairs).toHaveLength(4)
    for (const pair of pairs) {
      pair.ours.destroy()
      pair.theirs.destroy()
    }
  })

  it("pauses a pair whose sink says no, until it is resumed", async () => {
    const pair = await onePair()
    let received = 0
    let paused = false
    pair.readInto((n) => {
      received += n
      if (paused) return true
      paused = true
      return false
    })
    const end = closed(pair)
    writer(2_000_000, pair)
    pair.theirs.destroy()
    await waitFor("the first read", async () => (paused ? true : undefined))
    // A sink's false stops reading at the handle (Node's onread: readStop), which is what
    // `resume` restarts; the stream-level isPaused() does not show it.
    expect(handleOf(pair).reading).toBe(false)
    expect(received).toBeLessThan(2_000_000)
    pair.ours.resume()
    await end
    expect(received).toBe(2_000_000)
  })
})
