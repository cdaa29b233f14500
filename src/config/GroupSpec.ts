// A `[supervisors.NAME]` group: OTP's supervisor flags for a set of services that restart
// together (one_for_all, rest_for_one) or apart (one_for_one), their start order, the group's own
// restart intensity, and an optional backoff that, when set, replaces each crashed child's own.
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"
import {
  Backoff,
  backoffOf,
  Intensity,
  intensityOf,
  type BackoffSpec,
  type IntensitySpec,
} from "./ServiceSpec.ts"
import { NonEmptyText, oneOf } from "./Values.ts"

const strategies = ["one_for_one", "one_for_all", "rest_for_one"] as const
export type Strategy = (typeof strategies)[number]

const Children = Schema.Array(NonEmptyText)
  .annotations(expecting("an array of service names"))
  .pipe(Schema.minItems(1), Schema.annotations(expecting("at least one service name")))

export const GroupTable = Schema.Struct({
  strategy: Schema.optionalWith(oneOf(...strategies), { exact: true }),
  children: Schema.propertySignature(Children).annotations({
    missingMessage: () => "is required: the services this group supervises, in start order",
  }),
  intensity: Schema.optionalWith(Intensity, { exact: true }),
  backoff: Schema.optionalWith(Backoff, { exact: true }),
})

export interface GroupSpec {
  readonly name: string
  readonly strategy: Strategy
  readonly children: ReadonlyArray<string>
  readonly intensity: IntensitySpec
  /** Absent: each child restarts after its own backoff. */
  readonly backoff: BackoffSpec | undefined
}

/** A decoded group table with its defaults, named. */
export const groupOf = (name: string, t: typeof GroupTable.Type): GroupSpec => ({
  name,
  strategy: t.strategy ?? "one_for_one",
  children: t.children,
  intensity: intensityOf(t.intensity),
  backoff: t.backoff === undefined ? undefined : backoffOf(t.backoff),
})
