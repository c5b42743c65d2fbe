// The load process of the split-deployment test: autocannon against the gateway with LOAD_MIX, every response body checked, a JSON report on stdout.
// node --import tsx test/split/load.ts <gateway /graphql URL> <seconds> [connections]    (SIGTERM or SIGINT ends it early, with its report)
import autocannon from 'autocannon';
import { fetchKommunIds, LOAD_MIX, progressLine, type LoadReport, type OperationTally } from './mix.ts';

/** Counts one response: status first, then each GraphQL error by its code and the subgraph it names. */
function tally(into: OperationTally, status: number, body: string): void {
  into.responses++;
  const count = (key: string) => void (into.errors[key] = (into.errors[key] ?? 0) + 1);
  if (status < 200 || status > 299) return count(`HTTP ${status}`);
  // Parsing every large answer would make the load process the bottleneck; `"errors"` is no field name in this schema.
  if (!body.includes('"errors"')) return void into.ok++;
  try {
    const { errors = [] } = JSON.parse(body) as { errors?: { extensions?: { code?: string; serviceName?: string } }[] };
    for (const error of errors) count([error.extensions?.code ?? 'NO_CODE', error.extensions?.serviceName].filter(Boolean).join(':'));
  } catch {
    count('UNPARSABLE');
  }
}

async function main([url, seconds = '20', connections = '8']: string[]): Promise<void> {
  if (!url) throw new Error('Usage: node --import tsx test/split/load.ts <gateway /graphql URL> <seconds> [connections]');
  const kommunIds = await fetchKommunIds(url);
  const operations = Object.fromEntries(LOAD_MIX.map((operation) => [operation.name, { responses: 0, ok: 0, errors: {} } as OperationTally]));
  const sent = new Map(LOAD_MIX.map((operation) => [operation.name, 0]));
  const instance = autocannon(
    {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      connections: Number(connections),
      duration: Number(seconds),
      // A loaded 2-core CI machine can be slow; a timeout would count as an error that is the machine's, not the gateway's.
      timeout: 30,
      requests: LOAD_MIX.map((operation) => ({
        setupRequest: (request) => {
          const n = sent.get(operation.name) ?? 0;
          sent.set(operation.name, n + 1);
          return { ...request, body: JSON.stringify({ query: operation.query, variables: operation.variables(n, kommunIds) }) };
        },
        onResponse: (status, body) => tally(operations[operation.name], status, body),
      })),
    },
    (error, result) => {
      clearInterval(progress);
      if (error) throw error;
      const report: LoadReport = {
        seconds: result.duration,
        connections: Number(connections),
        requests: result.requests.total,
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        socketErrors: result.errors,
        timeouts: result.timeouts,
        operations,
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    },
  );
  // Progress, so a caller can tell that the load flows and how far it has come.
  const progress = setInterval(() => {
    process.stderr.write(progressLine(Object.values(operations).reduce((sum, tally) => sum + tally.responses, 0)));
  }, 1000);
  const stop = () => instance.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
