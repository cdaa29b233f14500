// The keys of an exported object that its Kubernetes kind does not have, wherever they sit. The
// compiled schemas of kubernetes-models check types, required keys, formats and enums but let any
// other key through (they have no additionalProperties), where the API server drops it with a
// warning and `kubectl apply --validate=strict` refuses it: so a misspelt field would pass them.
// The keys each object may have are read, with the TypeScript compiler, from kubernetes-models'
// declarations, which are generated from the same Kubernetes OpenAPI definitions as its schemas.
import ts from "typescript"
import type { KubeObject } from "../../src/kubernetes/Manifest.ts"

/** Each kind the exporter writes: its declaration module and interface in kubernetes-models. */
const declarations: Record<KubeObject["kind"], readonly [string, string]> = {
  ConfigMap: ["kubernetes-models/v1/ConfigMap", "IConfigMap"],
  Secret: ["kubernetes-models/v1/Secret", "ISecret"],
  Service: ["kubernetes-models/v1/Service", "IService"],
  Deployment: ["kubernetes-models/apps/v1/Deployment", "IDeployment"],
  Job: ["kubernetes-models/batch/v1/Job", "IJob"],
  CronJob: ["kubernetes-models/batch/v1/CronJob", "ICronJob"],
}

interface Kinds {
  readonly checker: ts.TypeChecker
  readonly types: ReadonlyMap<string, ts.Type>
}

const options: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  types: [],
  skipLibCheck: true,
  noEmit: true,
}

/** The compiled declarations, built once: the first call takes a second or two. */
let kinds: Kinds | undefined

const load = (): Kinds => {
  const files = new Map(
    Object.entries(declarations).map(([kind, [module, name]]) => {
      const resolved = ts.resolveModuleName(
        module,
        import.meta.filename,
        options,
        ts.sys,
        undefined,
        undefined,
        ts.ModuleKind.ESNext,
      ).resolvedModule?.resolvedFileName
      if (resolved === undefined) throw new Error(`cannot find the declarations of ${module}`)
      return [kind, { file: resolved, name }] as const
    }),
  )
  const program = ts.createProgram(
    [...files.values()].map((f) => f.file),
    options,
  )
  const checker = program.getTypeChecker()
  const types = new Map(
    [...files].map(([kind, { file, name }]) => {
      const source = program.getSourceFile(file)
      const module = source === undefined ? undefined : checker.getSymbolAtLocation(source)
      const symbol =
        module === undefined ? undefined : checker.getExportsOfModule(module).find((s) => s.name === name)
      if (symbol === undefined) throw new Error(`${file} does not export ${name}`)
      return [kind, checker.getDeclaredTypeOfSymbol(symbol)] as const
    }),
  )
  return { checker, types }
}

const walk = (checker: ts.TypeChecker, value: unknown, declared: ts.Type, at: string, out: Array<string>) => {
  const type = checker.getNonNullableType(declared)
  if (Array.isArray(value)) {
    const element = checker.getIndexTypeOfType(type, ts.IndexKind.Number)
    if (element !== undefined) value.forEach((item, i) => walk(checker, item, element, `${at}[${i}]`, out))
    return
  }
  if (typeof value !== "object" || value === null) return
  // A map (labels, data, resources.limits) takes any key; its values still have a type.
  const map = checker.getIndexTypeOfType(type, ts.IndexKind.String)
  for (const [key, item] of Object.entries(value)) {
    const path = at === "" ? key : `${at}.${key}`
    const property = type.getProperty(key)
    if (property !== undefined) walk(checker, item, checker.getTypeOfSymbol(property), path, out)
    else if (map !== undefined) walk(checker, item, map, path, out)
    else out.push(path)
  }
}

/** The paths (`spec.template.spec.containers[0].imagee`) of the keys that `object`'s kind does not have. */
export const unknownFieldsOf = (object: KubeObject): ReadonlyArray<string> => {
  kinds ??= load()
  const type = kinds.types.get(object.kind)
  if (type === undefined) throw new Error(`no declaration for the kind ${object.kind}`)
  const out: Array<string> = []
  walk(kinds.checker, object, type, "", out)
  return out
}
