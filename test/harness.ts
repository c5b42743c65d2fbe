// Test helpers: the whole stack on free ports, one subgraph in process, and a GraphQL client over HTTP.
import { inject } from 'vitest';
import { loadConfig, type AppConfig } from '../lib/config.ts';
import { createLogger } from '../lib/log.ts';
import { createSubgraphServer, startSubgraph, type SubgraphModule } from '../lib/subgraph.ts';
import { createGateway } from '../gateway/server.ts';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** Environment over the stores built by the global setup: for a configuration here or a child process's settings. */
export function testEnv(env: Record<string, string> = {}): Record<string, string> {
  const storeDir = inject('storeDir');
  // The response cache is off unless a test turns it on (test/gateway-cache.test.ts): the others watch the gateway call subgraphs.
  return { REGIONGRAPH_STORE_DIR: storeDir, REGIONGRAPH_SYNC_DIR: path.join(storeDir, 'sync'), LOG_LEVEL: 'warn', HOST: '127.0.0.1', RESPONSE_CACHE: 'off', ...env };
}

/** Configuration over the stores built by the global setup. */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig(testEnv(env));
}

export { freePort } from '../lib/ports.ts';

export interface GraphqlResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: { data?: TData | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

/** POSTs an operation and returns status, headers and the parsed body. */
export async function postGraphql<TData = Record<string, unknown>>(url: string, query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphqlResponse<TData>['body'] };
}

export interface Stack {
  origin: string;
  gatewayUrl: string;
  subgraphUrls: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the given subgraphs and the gateway in this process, each on a free loopback port. */
export async function startStack(modules: SubgraphModule<unknown, object>[], env: Record<string, string> = {}): Promise<Stack> {
  const config = testConfig(env);
  const running = await Promise.all(modules.map((module) => startSubgraph(module, config, createLogger(module.name, 'warn'), 0)));
  const subgraphUrls = Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph.url]));
  const gateway = await createGateway({ config, log: createLogger('gateway', 'warn'), subgraphUrls });
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  return {
    origin,
    gatewayUrl: `${origin}/graphql`,
    subgraphUrls,
    close: async () => {
      await gateway.dispose();
      await Promise.all(running.map((subgraph) => subgraph.close()));
    },
  };
}

/** One subgraph executed in process (no HTTP), with a fresh context per operation as in production. */
export async function inProcessSubgraph<TSource, TContext extends object>(module: SubgraphModule<TSource, TContext>) {
  const log = createLogger(module.name, 'warn');
  const source = await module.createSource(testConfig(), log);
  const server = createSubgraphServer(module, log);
  await server.start();
  return {
    source,
    async execute<TData = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) {
      const response = await server.executeOperation<TData>({ query, variables }, { contextValue: module.createContext(source) });
      if (response.body.kind !== 'single') throw new Error('Expected a single result');
      return response.body.singleResult;
    },
    async close() {
      await server.stop();
      await module.closeSource?.(source);
    },
  };
}
