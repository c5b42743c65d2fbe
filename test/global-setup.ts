// Builds every subgraph's store once into a temporary folder and hands its path to the test files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/log.ts';
import { buildAllStores } from '../subgraphs/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    storeDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'regiongraph-test-'));
  // An empty sync folder, so a developer's own `npm run sync` files never change what the tests see.
  const config = loadConfig({ REGIONGRAPH_STORE_DIR: storeDir, REGIONGRAPH_SYNC_DIR: path.join(storeDir, 'sync'), LOG_LEVEL: 'warn' });
  await buildAllStores(config, (name) => createLogger(name, 'warn'));
  project.provide('storeDir', storeDir);
  return () => rmSync(storeDir, { recursive: true, force: true });
}
