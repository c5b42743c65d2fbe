// @apollo/gateway over the committed supergraph: the reference peer of `npm run bench` (bench/gateway.ts), never part of the API.
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { loadConfig } from '../lib/config.ts';
import { loadSupergraph } from '../gateway/config.ts';

async function main(): Promise<void> {
  // @apollo/gateway otherwise probes cloud metadata endpoints and sends usage metrics to Apollo: nothing leaves this machine.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const config = loadConfig();
  // Subgraph URLs from the same settings as the Hive gateway's (<NAME>_URL or the ports).
  const gateway = new ApolloGateway({ supergraphSdl: loadSupergraph(config) });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: config.port('gateway'), host: config.host } });
  process.stderr.write(`@apollo/gateway listening at ${url}\n`);
  const stop = () => {
    server.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
