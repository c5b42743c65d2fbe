// Starts the gateway on GATEWAY_PORT and exits cleanly on SIGTERM/SIGINT.
import { callableHost, loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/log.ts';
import { createGateway } from './server.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('gateway', config.logLevel);
  const gateway = await createGateway({ config, log });
  const port = config.port('gateway');
  await new Promise<void>((resolve, reject) => {
    gateway.server.once('error', reject);
    gateway.server.listen(port, config.host, resolve);
  });
  const base = `http://${callableHost(config.host)}:${port}`;
  log.info('gateway listening', { url: `${base}/graphql`, graphiql: `${base}/graphiql/` });
  // The runtime registers its own signal handlers in library mode and then never exits: ours closes and exits.
  const stop = () => {
    gateway.dispose().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
