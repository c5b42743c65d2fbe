// regiongraph split into OS processes as docker-compose.yml runs it: each subgraph and the gateway through its entry point, each in its own process group.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { subgraphNames, SUPERGRAPH_PATH } from '../../gateway/config.ts';
import { freePort } from '../harness.ts';

// The last of a process's output kept for failure messages: enough for a stack trace, bounded under a noisy fault.
const OUTPUT_KEPT = 16_000;

export interface Service {
  name: string;
  /** The child's pid, also its process group's id. */
  pid: number;
  /** Whether the process still runs. */
  running(): boolean;
  /** Its stdout and stderr, the last part. */
  output(): string;
  /** Its stdout alone, the last part. */
  stdout(): string;
  /** Signals its whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when it has exited. */
  exited: Promise<void>;
}

/** Every group started here, so that a worker ending for any reason leaves none behind. */
const groups = new Set<number>();
const killGroups = () => {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
};
process.once('exit', killGroups);
// Own groups do not get the terminal's Ctrl+C, and vitest stops a worker with SIGTERM: pass the end on, then end as the signal would.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killGroups();
    process.kill(process.pid, signal);
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** `node --import tsx <args>` from the project root, as the image's commands are, with `env` on top of this process's environment. */
export function spawnService(name: string, args: string[], env: Record<string, string>): Service {
  // detached: its own process group, so that a kill takes anything it started too.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  const pid = child.pid;
  groups.add(pid);
  let output = '';
  let stdout = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT));
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
    keep(chunk);
  });
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      groups.delete(pid);
      resolve();
    }),
  );
  return {
    name,
    pid,
    running: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    stdout: () => stdout,
    signal: (signal) => signalGroup(pid, signal),
    exited,
  };
}

/** SIGTERM (the entry points close and exit on it), then SIGKILL for whatever is left after a grace period. */
export async function stopService(service: Service, graceMs = 5000): Promise<void> {
  if (!service.running()) return;
  service.signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([service.exited, late]);
  clearTimeout(timer);
  service.signal('SIGKILL');
  await service.exited;
}

/** Polls `check` until it is true; fails at once if `service` died meanwhile, or after `timeoutMs` with its output. */
export async function waitFor(what: string, check: () => Promise<boolean>, service: Service, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!service.running()) throw new Error(`${service.name} exited while waiting for ${what}:\n${service.output()}`);
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms. ${service.name} said:\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const answers = (url: string) => async () => (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200;

export interface SplitDeployment {
  origin: string;
  graphqlUrl: string;
  gateway: Service;
  subgraphs: Map<string, Service>;
  /** Starts a stopped or killed subgraph again, on its port, and waits for its /health. */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
}

// The first start of a subgraph opens its store (built by the global setup) and its indexes: seconds, more on a busy machine.
const START_TIMEOUT_MS = 90_000;

/**
 * Every subgraph the supergraph joins and the gateway, each its own process, on free loopback ports, each given the
 * settings docker-compose.yml gives it (`<NAME>_PORT`, the gateway's `<NAME>_URL`) on top of `env`; resolves when the
 * gateway's /readiness has seen every subgraph answer.
 */
export async function startSplitDeployment(env: Record<string, string>, gatewayEnv: Record<string, string> = {}): Promise<SplitDeployment> {
  const names = subgraphNames(readFileSync(SUPERGRAPH_PATH, 'utf8'));
  const ports = new Map<string, number>();
  for (const name of [...names, 'gateway']) ports.set(name, await freePort());
  const portEnv = (name: string) => ({ [`${name.toUpperCase()}_PORT`]: String(ports.get(name)) });
  const local = (name: string) => `http://127.0.0.1:${ports.get(name)}`;

  const subgraphs = new Map<string, Service>();
  const startSubgraph = async (name: string) => {
    const service = spawnService(name, ['subgraphs/serve.ts', name], { ...env, ...portEnv(name) });
    subgraphs.set(name, service);
    await waitFor(`${name}'s /health`, answers(`${local(name)}/health`), service, START_TIMEOUT_MS);
  };
  const urls = Object.fromEntries(names.map((name) => [`${name.toUpperCase()}_URL`, `${local(name)}/graphql`]));
  const gateway = spawnService('gateway', ['gateway/index.ts'], { ...env, ...portEnv('gateway'), ...urls, ...gatewayEnv });
  const deployment: SplitDeployment = {
    origin: local('gateway'),
    graphqlUrl: `${local('gateway')}/graphql`,
    gateway,
    subgraphs,
    restart: startSubgraph,
    stop: async () => {
      await Promise.all([gateway, ...subgraphs.values()].map((service) => stopService(service)));
    },
  };
  try {
    await Promise.all(names.map(startSubgraph));
    await waitFor('the gateway’s /readiness', answers(`${local('gateway')}/readiness`), gateway, START_TIMEOUT_MS);
  } catch (error) {
    await deployment.stop();
    throw error;
  }
  return deployment;
}
