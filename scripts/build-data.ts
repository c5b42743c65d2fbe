// `npm run build:data`: builds every subgraph's SQLite store from data/ ahead of the first start (e.g. in an image).
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/log.ts';
import { buildAllStores } from '../subgraphs/index.ts';

const config = loadConfig();
buildAllStores(config, (name) => createLogger(name, config.logLevel)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
