// Configuration from the environment, read in one place; every setting is listed in README.md and .env.example.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The project root: everything the code reads from disk is found from here, never from the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Default port of each part; the gateway is 4000 and subgraphs follow in the order they joined. */
export const DEFAULT_PORTS: Record<string, number> = {
  gateway: 4000,
  geo: 4001,
  statistics: 4002,
  mobility: 4003,
  nyko: 4004,
};

export type QueryPlanner = 'rust' | 'js';

/** How the statistics subgraph reaches SCB's PxWeb API. */
export interface PxWebConfig {
  /** 'offline' (default): answer from the snapshot and the cache, never call out; 'live': call the API, fall back to the cache. */
  mode: 'offline' | 'live';
  /** Base URL of the PxWebApi 2.0 installation, without a trailing slash. */
  baseUrl: string;
  /** Language of labels asked for (sv or en). */
  language: 'sv' | 'en';
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
}

/** SCB's production PxWebApi 2.0. */
export const SCB_PXWEB_URL = 'https://statistikdatabasen.scb.se/api/v2';

export interface AppConfig {
  /** Interface to listen on. */
  host: string;
  /** Folder with the shipped source data. */
  dataDir: string;
  /** Folder where `npm run sync` writes refreshed statistics (read into the statistics store beside the snapshot). */
  syncDir: string;
  /** Folder where built SQLite stores are written (generated, never committed). */
  storeDir: string;
  /** Minimum level of log lines written to stderr. */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Which query planner the gateway uses. */
  queryPlanner: QueryPlanner;
  /** How the statistics subgraph reaches SCB's PxWeb API. */
  pxweb: PxWebConfig;
  /** Port of a part by name ('gateway' or a subgraph name). */
  port(name: string): number;
  /** URL the gateway uses to reach a subgraph. */
  subgraphUrl(name: string): string;
}

type Env = Record<string, string | undefined>;

/** The address to call a server on that listens on `host`: a wildcard becomes loopback, an IPv6 literal gets brackets. */
export function callableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function envKey(name: string, suffix: string): string {
  return `${name.toUpperCase()}_${suffix}`;
}

function parsePort(value: string, key: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${key}=${value} is not a port: expected a whole number from 0 to 65535, e.g. ${key}=4001`);
  }
  return port;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], key: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${key}=${value} is not allowed: expected one of ${allowed.join(', ')}`);
}

function positiveInteger(value: string, key: string): number {
  const number = Number(value);
  if (Number.isInteger(number) && number > 0) return number;
  throw new Error(`${key}=${value} is not a positive whole number, e.g. ${key}=30000`);
}

/** Reads the configuration; throws with the variable's name and the expected form when a value is wrong. */
export function loadConfig(env: Env = process.env): AppConfig {
  const host = env.HOST ?? '127.0.0.1';
  const port = (name: string): number => {
    const key = envKey(name, 'PORT');
    const value = env[key];
    if (value !== undefined) return parsePort(value, key);
    const fallback = DEFAULT_PORTS[name];
    if (fallback === undefined) throw new Error(`No port is known for "${name}": set ${key}`);
    return fallback;
  };
  const dataDir = path.resolve(PROJECT_ROOT, env.REGIONGRAPH_DATA_DIR ?? 'data');
  return {
    host,
    dataDir,
    syncDir: path.resolve(PROJECT_ROOT, env.REGIONGRAPH_SYNC_DIR ?? path.join(dataDir, 'scb', 'sync')),
    storeDir: path.resolve(PROJECT_ROOT, env.REGIONGRAPH_STORE_DIR ?? 'var'),
    logLevel: oneOf(env.LOG_LEVEL ?? 'info', ['debug', 'info', 'warn', 'error'] as const, 'LOG_LEVEL'),
    queryPlanner: oneOf(env.QUERY_PLANNER ?? 'rust', ['rust', 'js'] as const, 'QUERY_PLANNER'),
    pxweb: {
      mode: oneOf(env.PXWEB_MODE ?? 'offline', ['offline', 'live'] as const, 'PXWEB_MODE'),
      baseUrl: (env.PXWEB_URL ?? SCB_PXWEB_URL).replace(/\/+$/, ''),
      language: oneOf(env.PXWEB_LANG ?? 'sv', ['sv', 'en'] as const, 'PXWEB_LANG'),
      timeoutMs: positiveInteger(env.PXWEB_TIMEOUT_MS ?? '30000', 'PXWEB_TIMEOUT_MS'),
    },
    port,
    subgraphUrl: (name) => env[envKey(name, 'URL')] ?? `http://${callableHost(host)}:${port(name)}/graphql`,
  };
}
