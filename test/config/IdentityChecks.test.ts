// What the host cannot give a service's identity keys, refused at `dockless check` and at
// registration with a sentence naming the key path (issue 24): each case against a host the
// test describes (root or not, its groups, hard limits, nice, tools), so every sentence is
// checked whoever runs the tests.
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { checkIdentity, currentHost, type IdentityHost } from "../../src/config/IdentityChecks.ts"
import { decodeServiceSpec, defaultLog, type ServiceSpec } from "../../src/config/ServiceSpec.ts"

const spec = (raw: Record<string, unknown>): ServiceSpec => {
  const result = decodeServiceSpec(
    { command: "/bin/true", ...raw },
    { name: "web", baseDir: "/etc/dockless", defaults: {}, log: defaultLog, pathPrefix: "services.web" },
  )
  if (Either.isLeft(result)) throw new Error(JSON.stringify(result.left))
  return result.right
}

const host = (overrides: Partial<IdentityHost> = {}): IdentityHost => ({
  root: true,
  groups: [
    { name: "pi", gid: 1000, members: [] },
    { name: "gpio", gid: 997, members: ["pi"] },
  ],
  hardLimits: { nofile: 524288, nproc: 30000, core: "infinity", memlock: 8 * 1024 * 1024 },
  nrOpen: 1048576,
  nice: 0,
  oomScoreAdj: 0,
  tool: (tool) => `/usr/bin/${tool}`,
  ...overrides,
})

const sentences = (raw: Record<string, unknown>, h: IdentityHost, prefix = "services.web") =>
  checkIdentity(spec(raw), prefix, () => h).map((i) => `${i.path}: ${i.message}`)

describe("checkIdentity", () => {
  it("accepts what root can give", () => {
    expect(
      sentences(
        {
          group: "pi",
          supplementary_groups: ["gpio", 4000],
          umask: "0027",
          limits: { nofile: 1048576, nproc: "infinity", core: "infinity", memlock: "1GiB" },
          nice: -20,
          oom_score_adjust: -1000,
        },
        host(),
      ),
    ).toEqual([])
  })

  it("does not look at the host for a service without identity keys", () => {
    expect(
      checkIdentity(spec({}), "services.web", () => {
        throw new Error("read the host")
      }),
    ).toEqual([])
  })

  it("refuses a group that does not exist, by name, at its key", () => {
    expect(sentences({ group: "gpoi", supplementary_groups: ["gpio", "i2c"] }, host())).toEqual([
      'services.web.group: no group named "gpoi" in /etc/group',
      'services.web.supplementary_groups.1: no group named "i2c" in /etc/group',
    ])
  })

  it("names the key path without a prefix for an API body", () => {
    expect(sentences({ group: "nope" }, host(), "")).toEqual(['group: no group named "nope" in /etc/group'])
  })

  it("refuses groups when dockless is not root", () => {
    expect(sentences({ supplementary_groups: ["gpio"] }, host({ root: false }))).toEqual([
      "services.web.supplementary_groups: supplementary_groups needs dockless to run as root (only root may change a process's groups)",
    ])
  })

  it("refuses more open files than the kernel allows, even for root", () => {
    expect(sentences({ limits: { nofile: 2000000 } }, host())).toEqual([
      "services.web.limits.nofile: 2000000 is above the kernel's most open files (fs.nr_open = 1048576)",
    ])
  })

  it("refuses a limit above the hard limit when dockless is not root", () => {
    expect(
      sentences(
        { limits: { nofile: 600000, nproc: "infinity", core: "infinity", memlock: "16MiB" } },
        host({ root: false }),
      ),
    ).toEqual([
      "services.web.limits.nofile: 600000 is above the hard limit dockless has (524288); only root may raise a hard limit",
      'services.web.limits.nproc: "infinity" is above the hard limit dockless has (30000); only root may raise a hard limit',
      "services.web.limits.memlock: 16777216 is above the hard limit dockless has (8388608); only root may raise a hard limit",
    ])
  })

  it("accepts a limit at or below the hard limit without root", () => {
    expect(sentences({ limits: { nofile: 524288, core: 0 } }, host({ root: false }))).toEqual([])
  })

  it("refuses a negative nice and a lower OOM score adjustment without root", () => {
    expect(sentences({ nice: -5, oom_score_adjust: -100 }, host({ root: false }))).toEqual([
      "services.web.nice: nice = -5 needs dockless to run as root: only root may give a process a nice value below dockless's own (0)",
      "services.web.oom_score_adjust: oom_score_adjust = -100 needs dockless to run as root: only root may set it below dockless's own (0)",
    ])
  })

  it("accepts a higher nice and OOM score adjustment without root", () => {
    expect(sentences({ nice: 10, oom_score_adjust: 500 }, host({ root: false }))).toEqual([])
  })

  it("names the tool a key needs when it is missing", () => {
    expect(
      sentences(
        { user: "pi", umask: "027", limits: { nofile: 100 }, nice: 1, oom_score_adjust: 1 },
        host({ tool: () => undefined }),
      ),
    ).toEqual([
      "services.web.limits: limits needs prlimit (from util-linux), which is not in /usr/bin, /bin, /usr/sbin, /sbin",
      "services.web.oom_score_adjust: oom_score_adjust needs choom (from util-linux), which is not in /usr/bin, /bin, /usr/sbin, /sbin",
      "services.web.nice: nice needs nice (from coreutils), which is not in /usr/bin, /bin, /usr/sbin, /sbin",
      "services.web.umask: umask needs sh (from dash or another POSIX shell), which is not in /usr/bin, /bin, /usr/sbin, /sbin",
      "services.web.user: user needs setpriv (from util-linux), which is not in /usr/bin, /bin, /usr/sbin, /sbin",
    ])
  })

  it("reads this host: its hard limits and fs.nr_open", () => {
    const h = currentHost()
    expect(h.nrOpen).toBeGreaterThan(0)
    expect(h.hardLimits.nofile).not.toBeNull()
    expect(h.root).toBe(process.getuid?.() === 0)
  })
})
