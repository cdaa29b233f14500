// `[services.NAME.kubernetes]`: how a service gets into a container when `dockless export
// kubernetes` writes it for a cluster (docs/kubernetes.md). The daemon never reads it: Dockless
// runs host binaries; only the exporter does, and without an image it mounts the host's binary.
import * as Schema from "effect/Schema"
import { expecting } from "./Decoding.ts"
import { NonEmptyText } from "./Values.ts"

export const KubernetesTable = Schema.Struct({
  image: Schema.optionalWith(
    NonEmptyText.annotations({
      description:
        'the container image that has this service\'s program, like "ghcr.io/me/api:1.4" (without it, ' +
        "the export mounts the host's binary into a small base image and pins the Pod to that node)",
    }),
    { exact: true },
  ),
}).annotations(expecting('a table like { image = "ghcr.io/me/api:1.4" }'))

export type KubernetesSpec = typeof KubernetesTable.Type
