// `npm start` as a user runs it: every part in its own process through the docker-compose entry points, stopped by one signal.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, postGraphql, testConfig } from './harness.ts';

describe('npm start', () => {
  it('serves the gateway and every subgraph, prints where GraphiQL is, and stops cleanly on SIGTERM', async () => {
    const [gateway, geo, statistics, mobility, nyko] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../scripts/start.ts', import.meta.url))], {
      env: { ...process.env, GATEWAY_PORT: String(gateway), GEO_PORT: String(geo), STATISTICS_PORT: String(statistics),
        MOBILITY_PORT: String(mobility), NYKO_PORT: String(nyko), REGIONGRAPH_STORE_DIR: testConfig().storeDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (output.includes('Press Ctrl+C to stop.')) resolve();
          if (child.exitCode !== null) reject(new Error(`npm start exited early:\n${output}`));
        }, 50);
        exited.finally(() => clearInterval(poll));
        setTimeout(() => clearInterval(poll), 55_000);
      });
      expect(output).toContain(`GraphiQL: http://127.0.0.1:${gateway}/graphiql/`);
      const { body } = await postGraphql<{ area: { name: string; population: { value: number } } }>(
        `http://127.0.0.1:${gateway}/graphql`,
        '{ area(id: "kommun:2080") { name population(year: 2020) { value } } }',
      );
      expect(body).toEqual({ data: { area: { name: 'Falun', population: { value: 59_528 } } } });
      for (const port of [geo, statistics]) expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    for (const port of [gateway, geo, statistics]) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 60_000);
});
