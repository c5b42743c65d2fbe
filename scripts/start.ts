// `npm start`: every subgraph and the gateway as separate processes, through the entry points docker-compose runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { callableHost, loadConfig } from '../lib/config.ts';
import { subgraphs } from '../subgraphs/index.ts';

const config = loadConfig();
const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// Health is checked on the local ports this script starts, even when *_URL points the gateway elsewhere.
const local = (name: string) => `http://${callableHost(config.host)}:${config.port(name)}`;
const parts = [
  ...subgraphs.map((module) => ({ name: module.name, args: [entry('../subgraphs/serve.ts'), module.name], health: `${local(module.name)}/health` })),
  { name: 'gateway', args: [entry('../gateway/index.ts')], health: `${local('gateway')}/healthcheck` },
];

const children: ChildProcess[] = [];
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }, 5000);
  Promise.all(children.map((child) => (child.exitCode !== null ? null : new Promise((resolve) => child.once('exit', resolve))))).then(() => {
    clearTimeout(deadline);
    process.exit(code);
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess, name: string): Promise<void> {
  // The first start builds the SQLite stores from data/, which takes a few seconds.
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not answer ${url} within 60 s`);
}

async function main(): Promise<void> {
  const started = performance.now();
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  for (const part of parts) {
    const child = spawn(process.execPath, ['--import', 'tsx', ...part.args], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
    children.push(child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`${part.name} stopped (${signal ?? `exit code ${code}`}); stopping everything\n`);
      stop(code || 1);
    });
  }
  await Promise.all(parts.map((part, i) => waitUntilHealthy(part.health, children[i], part.name)));
  const base = local('gateway');
  process.stdout.write(
    `\nregiongraph is up in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
      `  GraphQL:  ${base}/graphql\n  GraphiQL: ${base}/graphiql/\n` +
      parts.slice(0, -1).map((part) => `  ${part.name}: ${local(part.name)}/graphql\n`).join('') +
      'Press Ctrl+C to stop.\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  stop(1);
});
