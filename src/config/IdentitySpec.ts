// The keys of a service table that say what its process runs as, beside `user`, as systemd
// names them: `group` (Group=), `supplementary_groups` (SupplementaryGroups=), `umask` (UMask=),
// `limits` (LimitNOFILE= LimitNPROC= LimitCORE= LimitMEMLOCK=; one value is both the soft and
// the hard limit, as systemd reads a single value), `nice` (Nice=, -20..19) and
// `oom_score_adjust` (OOMScoreAdjust=, -1000..1000). Whether the host can give them is
// IdentityChecks.ts's; how they are given, os/Credentials.ts's.
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"
import { Size } from "./Size.ts"
import { IntegerIn, NonEmptyText } from "./Values.ts"

const optional = <A, I>(schema: Schema.Schema<A, I>) => Schema.optionalWith(schema, { exact: true })

/** A group by name, or by number. */
export const GroupName = Schema.Union(NonEmptyText, IntegerIn(0, 4294967294)).annotations(
  expecting("a group name or number"),
)

export const GroupList = Schema.Array(GroupName).annotations(expecting("an array of group names or numbers"))

/** "0027", "027": octal, as systemd's UMask= and the shell's umask take it. */
export const Umask = Schema.String.pipe(Schema.pattern(/^0?[0-7]{3}$/)).annotations(
  expecting(`an octal umask in a string, like "0027" or "022"`),
)

export const Nice = IntegerIn(-20, 19, "an integer from -20 (most favoured) to 19 (least)")

export const OomScoreAdjust = IntegerIn(-1000, 1000, "an integer from -1000 (never killed) to 1000")

const Infinity_ = Schema.Literal("infinity")

const Count = Schema.Union(Infinity_, IntegerIn(0, Number.MAX_SAFE_INTEGER, "an integer")).annotations(
  expecting(`a non-negative integer or "infinity"`),
)

const Bytes = Schema.Union(Infinity_, Size).annotations(
  expecting(`a size like "64MiB" or integer bytes, or "infinity"`),
)

/**
 * The resource limits a service may set, each the soft and the hard limit at once. `nofile =
 * "infinity"` means the kernel's most, fs.nr_open, as systemd reads it.
 */
export const Limits = Schema.Struct({
  nofile: optional(Count.annotations(expecting(`open files: a non-negative integer or "infinity"`))),
  nproc: optional(
    Count.annotations(expecting(`processes of its user: a non-negative integer or "infinity"`)),
  ),
  core: optional(
    Bytes.annotations(expecting(`core file size: a size like "64MiB" or integer bytes, or "infinity"`)),
  ),
  memlock: optional(
    Bytes.annotations(expecting(`locked memory: a size like "64MiB" or integer bytes, or "infinity"`)),
  ),
}).annotations(expecting("a table like { nofile = 65536, core = 0 }"))

export type LimitsSpec = typeof Limits.Type
export type LimitName = keyof LimitsSpec
export type LimitValue = number | "infinity"

/** The limits in the order they are shown. */
export const limitNames: ReadonlyArray<LimitName> = ["nofile", "nproc", "core", "memlock"]

/** A service's identity keys, as decoded (`user` beside them). */
export interface IdentityKeys {
  readonly user: string | undefined
  readonly group: string | number | undefined
  readonly supplementary_groups: ReadonlyArray<string | number>
  readonly umask: string | undefined
  readonly limits: LimitsSpec
  readonly nice: number | undefined
  readonly oom_score_adjust: number | undefined
}

/** True when a service sets any of its identity: only then does anything run before its command. */
export const setsIdentity = (spec: IdentityKeys): boolean =>
  spec.user !== undefined ||
  spec.group !== undefined ||
  spec.supplementary_groups.length > 0 ||
  spec.umask !== undefined ||
  spec.nice !== undefined ||
  spec.oom_score_adjust !== undefined ||
  limitNames.some((name) => spec.limits[name] !== undefined)
