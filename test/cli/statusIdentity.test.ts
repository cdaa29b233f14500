// `dockless status NAME` under its table: what the service's process runs as, as the daemon read
// it from /proc (issue 24): names with their ids, sizes as config.toml writes them, soft/hard.
import { describe, expect, it } from "@effect/vitest"
import { identityLines } from "../../src/cli/status.ts"

describe("identityLines", () => {
  it("shows the user, groups, umask, priorities and limits", () => {
    expect(
      identityLines({
        user: { id: 1000, name: "pi" },
        group: { id: 1000, name: "pi" },
        groups: [
          { id: 1000, name: "pi" },
          { id: 997, name: "gpio" },
          { id: 4000, name: null },
        ],
        umask: "0027",
        nice: -5,
        oom_score_adj: -500,
        limits: {
          nofile: { soft: 65536, hard: 65536 },
          nproc: { soft: "infinity", hard: "infinity" },
          core: { soft: 0, hard: "infinity" },
          memlock: { soft: 8 * 1024 * 1024, hard: 8 * 1024 * 1024 + 512 },
        },
      }),
    ).toEqual([
      "user    pi (1000)  group pi (1000)",
      "groups  pi (1000), gpio (997), 4000",
      "umask   0027  nice -5  oom_score_adj -500",
      "limits  nofile 65536/65536  nproc infinity/infinity  core 0B/infinity  memlock 8MiB/8389120B  (soft/hard)",
    ])
  })
})
