// Builds the gateway (Hive Gateway runtime + offline GraphiQL) as a node:http server without listening.
import { createServer, type Server } from 'node:http';
import httpTransport from '@graphql-mesh/transport-http';
import { createGatewayRuntime, type GatewayConfigSupergraph } from '@graphql-hive/gateway-runtime';
import type { AppConfig } from '../lib/config.ts';
import type { Logger } from '../lib/log.ts';
import { OPERATIONS_DIR, loadSupergraph } from './config.ts';
import { createGraphiqlHandler } from './graphiql.ts';

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
  const runtimeConfig: GatewayConfigSupergraph = {
    supergraph: loadSupergraph(config, subgraphUrls),
    // Yoga's GraphiQL loads from a CDN; ours is served from our own files below.
    graphiql: false,
    landingPage: false,
    logging: config.logLevel,
    // Named here so the HTTP transport is a declared dependency rather than a runtime lookup.
    transports: { http: httpTransport },
  };
  if (config.queryPlanner === 'rust') {
    runtimeConfig.unifiedGraphHandler = (await import('@graphql-hive/router-runtime')).unifiedGraphHandler;
  }
  const runtime = createGatewayRuntime(runtimeConfig);
  const graphiql = createGraphiqlHandler({ endpoint: '/graphql', operationsDir: OPERATIONS_DIR });
  const server = createServer((req, res) => {
    if (graphiql(req, res)) return;
    void runtime(req, res);
  });
  log.info('gateway built', { queryPlanner: config.queryPlanner });
  return {
    server,
    dispose: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.dispose();
    },
  };
}
