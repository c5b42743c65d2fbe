// The data version each subgraph reports with every answer: the gateway's response cache keys its answers by it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';

/** The response header a subgraph sends its data version in (on every answer, and on /health). */
export const DATA_VERSION_HEADER = 'x-data-version';

// The fingerprints of the stores opened by the createSource that is running, so that several subgraphs can start at once.
const openedStores = new AsyncLocalStorage<string[]>();

/** Called by openStore with the fingerprint of the store it opened. */
export function storeOpened(fingerprint: string): void {
  openedStores.getStore()?.push(fingerprint);
}

/** Runs `open` (a subgraph's createSource) and returns its value with the fingerprints of the stores it opened. */
export async function recordStores<T>(open: () => T | Promise<T>): Promise<{ value: T; fingerprints: string[] }> {
  const fingerprints: string[] = [];
  const value = await openedStores.run(fingerprints, open);
  return { value, fingerprints };
}

/**
 * The version of what a subgraph serves: a hash of its stores' fingerprints, so every replica over the same data reports
 * the same version and a start over changed data (a sync, an import) another one. A subgraph that opened no store
 * (imported deliveries are read as they are) gets a new version at every start, since a restart may be what serves new data.
 */
export function startVersion(name: string, fingerprints: string[]): string {
  const parts = fingerprints.length > 0 ? [...fingerprints].sort() : [randomUUID()];
  return createHash('sha256').update([name, ...parts].join('\0')).digest('hex').slice(0, 16);
}
