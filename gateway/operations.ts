// The gateway's operations surface: JSON logs through lib/log.ts, an access log line per request, readiness over every subgraph, metrics, CORS.
import { Logger as HiveLogger, type GatewayConfigContext, type GatewayConfigSupergraph, type GatewayPlugin, type LogWriter } from '@graphql-hive/gateway-runtime';
import usePrometheus from '@graphql-mesh/plugin-prometheus';
import { useReadinessCheck, type Plugin as YogaPlugin } from 'graphql-yoga';
import { Registry } from 'prom-client';
import type { CorsOrigins } from '../lib/config.ts';
import { DATA_VERSION_HEADER } from '../lib/data-version.ts';
import { REQUEST_ID_HEADER, type LogLevel, type Logger } from '../lib/log.ts';
import { systemCodeOf } from './faults.ts';

export const GRAPHQL_PATH = '/graphql';
export const READINESS_PATH = '/readiness';
export const METRICS_PATH = '/metrics';

/** Hive's logger writing through ours, so the gateway's lines are JSON like every other part's (with Hive's requestId). */
export function hiveLogger(log: Logger, level: LogLevel): HiveLogger {
  const writer: LogWriter = {
    write(lineLevel, attrs, message) {
      const fields = Array.isArray(attrs) ? { attrs } : (attrs ?? {});
      log[lineLevel === 'trace' ? 'debug' : lineLevel](message ?? '', fields);
    },
  };
  return new HiveLogger({ level, writers: [writer] });
}

/** One info line per GraphQL request: method, status, duration and operation, with the request id Hive's child logger adds. */
export function useAccessLog(): GatewayPlugin {
  const started = new WeakMap<Request, number>();
  const operationNames = new WeakMap<Request, string>();
  return {
    onRequest({ request, url }) {
      // Probes and scrapes (/healthcheck, /readiness, /metrics) would drown the requests that matter.
      if (url.pathname === GRAPHQL_PATH) started.set(request, performance.now());
    },
    onParams({ request, params }) {
      if (params.operationName) operationNames.set(request, params.operationName);
    },
    onResponse({ request, response, serverContext }) {
      const start = started.get(request);
      if (start === undefined) return;
      const { log } = serverContext as GatewayConfigContext;
      const durationMs = Math.round(performance.now() - start);
      log.info({ method: request.method, status: response.status, durationMs, operationName: operationNames.get(request) }, 'request');
    },
  };
}

interface SubgraphState {
  ready: boolean;
  /** Why not: a system error code (ECONNREFUSED), TimeoutError or the HTTP status. */
  error?: string;
}

/** What a subgraph said to `{ __typename }`: whether it is ready, and the version of the data it serves (lib/data-version.ts). */
export interface SubgraphProbe extends SubgraphState {
  dataVersion?: string;
}

/** Asks a subgraph for `{ __typename }`, the smallest operation every GraphQL server answers. */
export async function probeSubgraph(url: string, timeoutMs: number): Promise<SubgraphProbe> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as { data?: { __typename?: unknown } };
    const dataVersion = response.headers.get(DATA_VERSION_HEADER) ?? undefined;
    return response.ok && body.data?.__typename === 'Query' ? { ready: true, dataVersion } : { ready: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ready: false, error: systemCodeOf(error) ?? (error instanceof Error ? error.name : String(error)) };
  }
}

/** /readiness: 200 when every subgraph answers, else 503; the body says which did not. */
export function useSubgraphReadiness(subgraphUrls: Record<string, string>, timeoutMs: number): YogaPlugin {
  return useReadinessCheck({
    endpoint: READINESS_PATH,
    check: async ({ fetchAPI }) => {
      const states = await Promise.all(
        Object.entries(subgraphUrls).map(async ([name, url]) => {
          const { ready, error } = await probeSubgraph(url, timeoutMs);
          return [name, error === undefined ? { ready } : { ready, error }] as const;
        }),
      );
      const ready = states.every(([, state]) => state.ready);
      return new fetchAPI.Response(JSON.stringify({ ready, subgraphs: Object.fromEntries(states) }), {
        status: ready ? 200 : 503,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      });
    },
  });
}

/** Prometheus metrics at /metrics: HTTP and GraphQL phases, and every subgraph call's duration and errors by subgraph. */
export function usePrometheusMetrics(context: GatewayConfigContext): GatewayPlugin {
  // A registry per gateway, so that gateways built in one process (tests, the benchmark) do not share or clash.
  return usePrometheus({ log: context.log, metrics: true, endpoint: METRICS_PATH, registry: new Registry() });
}

/** CORS from CORS_ORIGINS. No cookies or credentials are used, so none are allowed; browsers may read the request id. */
export function corsOptions(origins: CorsOrigins): GatewayConfigSupergraph['cors'] {
  if (origins === 'off') return false;
  const options = { credentials: false, exposedHeaders: [REQUEST_ID_HEADER] };
  if (origins === '*') return { ...options, origin: '*' };
  // An origin not listed gets no CORS headers at all (Yoga would answer it with `null`, which sandboxed pages match).
  return (request: Request) => {
    const origin = request.headers.get('origin');
    return origin !== null && origins.includes(origin) ? { ...options, origin: [origin] } : false;
  };
}
