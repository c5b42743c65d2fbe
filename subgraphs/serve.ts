// Serves one subgraph by name, or all of them: the entry point of `npm start` children and of docker-compose services.
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/log.ts';
import { startSubgraph, type RunningSubgraph } from '../lib/subgraph.ts';
import { subgraphByName, subgraphs } from './index.ts';

async function main(argv: string[]): Promise<void> {
  const which = argv[0];
  if (!which) throw new Error(`Usage: tsx subgraphs/serve.ts <${subgraphs.map((m) => m.name).join('|')}|all>`);
  const config = loadConfig();
  const modules = which === 'all' ? subgraphs : [subgraphByName(which)];
  const running: RunningSubgraph[] = [];
  for (const module of modules) {
    const log = createLogger(module.name, config.logLevel);
    const subgraph = await startSubgraph(module, config, log);
    running.push(subgraph);
    log.info('subgraph listening', { url: subgraph.url });
  }
  const stop = () => {
    Promise.allSettled(running.map((subgraph) => subgraph.close())).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
