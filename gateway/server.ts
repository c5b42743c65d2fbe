// Builds the gateway (Hive Gateway runtime + offline GraphiQL) as a node:http server without listening.
import { createServer, type Server } from 'node:http';
import httpTransport from '@graphql-mesh/transport-http';
import { createGatewayRuntime, type GatewayConfigSupergraph } from '@graphql-hive/gateway-runtime';
import type { AppConfig } from '../lib/config.ts';
import { REQUEST_ID_HEADER, type Logger } from '../lib/log.ts';
import { responseCache, useCacheHeaders, withoutTtlPerTypeWarning } from './cache.ts';
import { OPERATIONS_DIR, loadSupergraph, subgraphUrlsOf } from './config.ts';
import { useRegistryErrors } from './errors.ts';
import { faultPlugins } from './faults.ts';
import { createGraphiqlHandler } from './graphiql.ts';
import { demandControl, disableIntrospection, limitPlugins, persistedDocuments } from './limits.ts';
import { GRAPHQL_PATH, READINESS_PATH, corsOptions, hiveLogger, useAccessLog, usePrometheusMetrics, useSubgraphReadiness } from './operations.ts';
import { tracing } from './telemetry.ts';

export interface GatewayOptions {
  config: AppConfig;
  log: Logger;
  /** Subgraph URLs that override the config (tests start subgraphs on free ports). */
  subgraphUrls?: Record<string, string>;
}

export interface Gateway {
  server: Server;
  dispose(): Promise<void>;
}

export async function createGateway({ config, log, subgraphUrls }: GatewayOptions): Promise<Gateway> {
  const settings = config.gateway;
  const supergraph = loadSupergraph(config, subgraphUrls);
  const logging = hiveLogger(log, config.logLevel);
  const traces = await tracing(settings.otlpEndpoint, logging);
  const cache = await responseCache(settings, subgraphUrlsOf(supergraph), log);
  const runtimeConfig: GatewayConfigSupergraph = {
    supergraph,
    graphqlEndpoint: GRAPHQL_PATH,
    // Yoga's GraphiQL loads from a CDN; ours is served from our own files below.
    graphiql: false,
    landingPage: false,
    logging,
    // Named here so the HTTP transport is a declared dependency rather than a runtime lookup.
    transports: { http: httpTransport },
    cors: corsOptions(settings.corsOrigins),
    // Accepted from the client or generated, passed to every subgraph call, returned, and in every gateway log line.
    requestId: { headerName: REQUEST_ID_HEADER },
    // Only the nyko subgraph authorizes (imports); no other subgraph ever sees a client's credentials.
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, subgraphName }) =>
        subgraphName === 'nyko' ? { authorization: request.headers.get('authorization') ?? undefined } : undefined,
    },
    // Hive's own check only says the supergraph is loaded; READINESS_PATH (below) also asks every subgraph.
    readinessCheckEndpoint: `${READINESS_PATH}/supergraph`,
    demandControl: demandControl(settings),
    persistedDocuments: await persistedDocuments(settings),
    disableIntrospection: disableIntrospection(settings),
    // Hive's response cache, by the supergraph's @cacheControl hints and the subgraphs' data versions (gateway/cache.ts).
    cache: cache?.cache,
    responseCaching: cache?.responseCaching,
    plugins: (context) => [
      ...(traces ? [traces.plugin(context)] : []),
      ...limitPlugins(settings),
      ...faultPlugins(settings),
      useRegistryErrors(settings),
      useSubgraphReadiness(subgraphUrlsOf(supergraph), settings.subgraphTimeoutMs),
      useAccessLog(),
      ...(cache?.plugins ?? []),
      useCacheHeaders(settings),
      ...(settings.metrics ? [usePrometheusMetrics(context)] : []),
    ],
  };
  if (config.queryPlanner === 'rust') {
    runtimeConfig.unifiedGraphHandler = (await import('@graphql-hive/router-runtime')).unifiedGraphHandler;
  }
  const runtime = withoutTtlPerTypeWarning(() => createGatewayRuntime(runtimeConfig));
  const graphiql = createGraphiqlHandler({ endpoint: GRAPHQL_PATH, operationsDir: OPERATIONS_DIR });
  const server = createServer((req, res) => {
    if (graphiql(req, res)) return;
    void runtime(req, res);
  });
  log.info('gateway built', { queryPlanner: config.queryPlanner, settings });
  return {
    server,
    dispose: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.dispose();
      await cache?.dispose();
      await traces?.flush();
    },
  };
}
