// The NYKO source: the durable store of imported versions (seeded with Göteborg 2024) and the token grants for imports.
import type { AppConfig } from '../../lib/config.ts';
import type { Logger } from '../../lib/log.ts';
import { parseTokenGrants, type TokenGrant } from './auth.ts';
import { openNykoStore, type NykoStore } from './store.ts';

export interface NykoSource {
  store: NykoStore;
  /** Who may import, from NYKO_TOKENS. */
  grants: readonly TokenGrant[];
  dataDir: string;
  close(): void;
}

/** Opens (creating, migrating and on first open seeding) the NYKO store; the seed imports Göteborg 2024 in a few seconds. */
export function createNykoSource(config: Pick<AppConfig, 'dataDir' | 'nyko'>, log?: Logger): NykoSource {
  const grants = parseTokenGrants(config.nyko.tokens);
  const started = performance.now();
  const store = openNykoStore(config.nyko.store, { dataDir: config.dataDir });
  log?.info('nyko store ready', { file: store.file, ms: Math.round(performance.now() - started), tokens: grants.length });
  return { store, grants, dataDir: config.dataDir, close: () => store.close() };
}
