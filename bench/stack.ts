// The stack in this process on free loopback ports: every subgraph, and gateways started and stopped one planner at a time.
import type { AddressInfo } from 'node:net';
import { loadConfig, type AppConfig, type QueryPlanner } from '../lib/config.ts';
import { createLogger } from '../lib/log.ts';
import { startSubgraph, type RunningSubgraph } from '../lib/subgraph.ts';
import { createGateway } from '../gateway/server.ts';
import { subgraphs } from '../subgraphs/index.ts';

export function benchConfig(storeDir: string, planner: QueryPlanner = 'rust'): AppConfig {
  // Uncached: these rows measure the gateway planning and calling subgraphs (bench/gateway.ts measures the cache).
  return loadConfig({ REGIONGRAPH_STORE_DIR: storeDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1', QUERY_PLANNER: planner, RESPONSE_CACHE: 'off' });
}

export interface Subgraphs {
  urls: Record<string, string>;
  close(): Promise<void>;
}

export async function startSubgraphs(storeDir: string): Promise<Subgraphs> {
  const config = benchConfig(storeDir);
  const running: RunningSubgraph[] = [];
  for (const module of subgraphs) running.push(await startSubgraph(module, config, createLogger(module.name, 'warn'), 0));
  return {
    urls: Object.fromEntries(running.map((subgraph) => [subgraph.name, subgraph.url])),
    close: async () => {
      await Promise.all(running.map((subgraph) => subgraph.close()));
    },
  };
}

export interface RunningGateway {
  url: string;
  close(): Promise<void>;
}

export async function startGateway(storeDir: string, planner: QueryPlanner, subgraphUrls: Record<string, string>): Promise<RunningGateway> {
  const gateway = await createGateway({ config: benchConfig(storeDir, planner), log: createLogger('gateway', 'warn'), subgraphUrls });
  await new Promise<void>((resolve, reject) => {
    gateway.server.once('error', reject);
    gateway.server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}/graphql`,
    close: () => gateway.dispose(),
  };
}
