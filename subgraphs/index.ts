// The list of subgraph modules: adding a subgraph means adding its folder and one line here.
import type { AppConfig } from '../lib/config.ts';
import type { Logger } from '../lib/log.ts';
import type { SubgraphModule } from '../lib/subgraph.ts';
import geo from './geo/index.ts';
import mobility from './mobility/index.ts';
import nyko from './nyko/index.ts';
import statistics from './statistics/index.ts';

// Each module keeps its own source and context types; the list only needs the common shape.
export const subgraphs = [geo, statistics, mobility, nyko] as unknown as SubgraphModule<unknown, object>[];

export function subgraphByName(name: string): SubgraphModule<unknown, object> {
  const found = subgraphs.find((module) => module.name === name);
  if (!found) throw new Error(`Unknown subgraph "${name}": expected one of ${subgraphs.map((m) => m.name).join(', ')} or "all"`);
  return found;
}

/** Builds (or confirms current) every subgraph's store, as the first start would. */
export async function buildAllStores(config: AppConfig, logFor: (name: string) => Logger): Promise<void> {
  for (const module of subgraphs) {
    const source = await module.createSource(config, logFor(module.name));
    await module.closeSource?.(source);
  }
}
