// What the Kubernetes exporter produces, before it is YAML: each service's objects (the
// API's own types, from kubernetes-models, checked by the compiler; types only, nothing loads),
// each with the notes that say in the output what did not carry over, and the names Kubernetes
// accepts for Dockless's. Pure.
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap"
import type { ISecret } from "kubernetes-models/v1/Secret"
import type { IService } from "kubernetes-models/v1/Service"
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment"
import type { IJob } from "kubernetes-models/batch/v1/Job"
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob"

export type KubeObject = IConfigMap | ISecret | IService | IDeployment | IJob | ICronJob

/** A comment in the output: above the document (`at` empty) or above the key at `at`. */
export interface Note {
  readonly at: ReadonlyArray<string | number>
  readonly text: string
}

export interface Manifest {
  readonly object: KubeObject
  readonly notes: ReadonlyArray<Note>
}

/** One service's objects: one file with --out DIR. */
export interface ServiceExport {
  /** The Dockless name. */
  readonly name: string
  /** The Kubernetes name of its objects. */
  readonly kubeName: string
  readonly manifests: ReadonlyArray<Manifest>
  /** True when a Secret in it holds real values (--include-secrets): its file is written 0600. */
  readonly holdsSecrets: boolean
}

export const note = (text: string, ...at: ReadonlyArray<string | number>): Note => ({ at, text })

/**
 * A Dockless name as a Kubernetes object name (an RFC 1035 label, as a Service's must be):
 * lower case, "_" and "." as "-", starting with a letter ("s-" before a leading digit), at most
 * 63 characters, not ending in "-". Two names that meet are refused by the caller.
 */
export const kubeNameOf = (name: string): string => {
  const lowered = name.toLowerCase().replace(/[^a-z0-9-]/g, "-")
  const lettered = /^[a-z]/.test(lowered) ? lowered : `s-${lowered}`
  return lettered.slice(0, 63).replace(/-+$/, "")
}

/** Keys a ConfigMap or a Secret may have (`[-._a-zA-Z0-9]+`). */
export const isDataKey = (key: string): boolean => /^[-._a-zA-Z0-9]+$/.test(key)

/** Milliseconds as the whole seconds Kubernetes counts in, rounded up, at least `min`. */
export const secondsOf = (ms: number, min = 1): number => Math.max(min, Math.ceil(ms / 1000))
