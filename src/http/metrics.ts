// GET /metrics in the Prometheus text exposition format (version 0.0.4): per-service gauges
// and counters from the published ServiceViews with the monitor's CPU and memory (a scrape
// counts as a look, so it samples when the last sample is stale), plus Dockless's own metrics.
import { FastResponse } from "srvx"
import { Effect } from "effect"
import { STATE_NAMES } from "../actors/ServiceView.ts"
import type { ServiceView } from "../actors/ServiceView.ts"
import { ServiceViews } from "../actors/ServiceViews.ts"
import { HeapGovernor, type Collections } from "../monitor/HeapGovernor.ts"
import { Monitor } from "../monitor/Monitor.ts"
import { withUsage } from "../monitor/Usage.ts"
import type { Handler } from "./HttpContext.ts"

const label = (value: string) => value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")

interface Family {
  readonly name: string
  readonly help: string
  readonly type: "gauge" | "counter"
  readonly samples: ReadonlyArray<readonly [labels: string, value: number]>
}

const render = (families: ReadonlyArray<Family>) =>
  families
    .map(
      (f) =>
        `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n` +
        f.samples
          .map(([labels, value]) => `${f.name}${labels === "" ? "" : `{${labels}}`} ${value}\n`)
          .join(""),
    )
    .join("")

const perService = (
  views: ReadonlyArray<ServiceView>,
  value: (v: ServiceView) => number | null,
): Array<readonly [string, number]> =>
  views.flatMap((v) => {
    const n = value(v)
    return n === null ? [] : [[`service="${label(v.name)}"`, n] as const]
  })

export const metricsText = (
  views: ReadonlyArray<ServiceView>,
  startedAt: number,
  collections: Collections,
): string => {
  const usage = process.cpuUsage()
  const memory = process.memoryUsage()
  const families: Array<Family> = [
    {
      name: "dockless_service_up",
      help: "1 when the service's process is running.",
      type: "gauge",
      samples: perService(views, (v) => (v.state === "running" ? 1 : 0)),
    },
    {
      name: "dockless_service_restarts_total",
      help: "Restarts of the service since Dockless started.",
      type: "counter",
      samples: perService(views, (v) => v.restarts),
    },
    {
      name: "dockless_service_cpu_seconds_total",
      help: "CPU time used by the service's process tree.",
      type: "counter",
      samples: perService(views, (v) => v.cpu_seconds),
    },
    {
      name: "dockless_service_memory_bytes",
      help: "Resident memory of the service's process tree.",
      type: "gauge",
      samples: perService(views, (v) => v.rss_bytes),
    },
    {
      name: "dockless_service_state",
      help: "1 for the state the service is in, 0 for the others.",
      type: "gauge",
      samples: views.flatMap((v) =>
        STATE_NAMES.map((s) => [`service="${label(v.name)}",state="${s}"`, v.state === s ? 1 : 0] as const),
      ),
    },
    {
      name: "process_cpu_seconds_total",
      help: "CPU time used by Dockless itself.",
      type: "counter",
      samples: [["", (usage.user + usage.system) / 1e6]],
    },
    {
      name: "process_resident_memory_bytes",
      help: "Resident memory of Dockless itself.",
      type: "gauge",
      samples: [["", memory.rss]],
    },
    {
      name: "nodejs_heap_size_used_bytes",
      help: "JavaScript heap in use by Dockless (the rest of its resident memory is V8's reserve and native buffers).",
      type: "gauge",
      samples: [["", memory.heapUsed]],
    },
    {
      name: "nodejs_heap_size_total_bytes",
      help: "JavaScript heap V8 has allocated for Dockless.",
      type: "gauge",
      samples: [["", memory.heapTotal]],
    },
    {
      name: "nodejs_external_memory_bytes",
      help: "Memory outside the JavaScript heap held by its objects (Buffers and the like).",
      type: "gauge",
      samples: [["", memory.external]],
    },
    {
      name: "dockless_heap_collections_total",
      help: "Full garbage collections Dockless ran to keep its heap near what it holds (see README, How it works).",
      type: "counter",
      samples: [["", collections.count]],
    },
    {
      name: "dockless_heap_collection_seconds_total",
      help: "Time those collections took; Dockless's main thread waits for each.",
      type: "counter",
      samples: [["", collections.ms / 1000]],
    },
    {
      name: "process_start_time_seconds",
      help: "When Dockless started, in seconds since the epoch.",
      type: "gauge",
      samples: [["", Math.floor(startedAt / 1000)]],
    },
  ]
  return render(families)
}

export const metrics: Handler = (_event, ctx) =>
  Effect.gen(function* () {
    const monitor = yield* Monitor
    yield* monitor.touch
    const latest = yield* monitor.latest
    const views = (yield* (yield* ServiceViews).all).map((v) => withUsage(v, latest.get(v.name)))
    const collections = yield* (yield* HeapGovernor).collections
    return new FastResponse(metricsText(views, ctx.startedAt, collections), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
    })
  })
