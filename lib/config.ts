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

/** delete: a cell under k is left out of lists and null as a value; flag: it stays in lists, null and flagged. */
export type DisclosureMethod = 'delete' | 'flag';

/** Disclosure control of mobility aggregates. */
export interface DisclosureConfig {
  method: DisclosureMethod;
  /** Cells counted on fewer than k distinct devices are not published (k-anonymity counts devices, not extrapolated persons). */
  k: number;
  /** Published values are rounded to a multiple of this (1 = to whole numbers). */
  roundingBase: number;
  /** SCB-style small-number perturbation: published values of 1 and 2 become 0 or 3. */
  perturbSmall: boolean;
}

/** The mobility subgraph's data source (synthetic default or imported deliveries) and its disclosure control. */
export interface MobilityConfig {
  /** synthetic: the generated default; delivered: the aggregates imported with `npm run mobility:import`. */
  source: 'synthetic' | 'delivered';
  /** SQLite file the imported deliveries are kept in. */
  deliveryStore: string;
  /** Seed of the synthetic data set: the same seed gives byte-identical aggregates. */
  seed: number;
  /** Share of residents carrying a sampled device (the synthetic operator's sample). */
  sampleShare: number;
  /** Days simulated, as ISO dates (local time Europe/Stockholm). */
  dates: string[];
  disclosure: DisclosureConfig;
}

/** Which operations the gateway runs: any (`off`, ids not understood), ids and documents (`allow`), or only persisted ids (`require`). */
export type PersistedDocumentsMode = 'off' | 'allow' | 'require';

/** Browser origins that may call the gateway: any (`*`), these, or none (`off`: no CORS headers). */
export type CorsOrigins = '*' | 'off' | string[];

/** Where the gateway says whether an answer came from its response cache: a header, `extensions.responseCache`, or nowhere. */
export type ResponseCacheReport = 'header' | 'extensions' | 'off';

/** The gateway's operation limits, fault handling, operations surface and response cache. */
export interface GatewaySettings {
  /** Deepest nesting of fields an operation may have; 0 turns the limit off. */
  maxDepth: number;
  /** Most aliases an operation may use; 0 turns the limit off. */
  maxAliases: number;
  /** Most tokens an operation document may have; 0 turns the limit off. */
  maxTokens: number;
  /** Highest estimated cost (demand control over `@cost`/`@listSize`) an operation may have; 0 turns the limit off. */
  maxCost: number;
  /** Whether every executed operation's answer carries its estimated cost in `extensions.cost`. */
  costInExtensions: boolean;
  persistedDocuments: PersistedDocumentsMode;
  /** JSON file of `{ "<id>": "<document>" }`; unset, the example operations in schema/operations are the persisted documents. */
  persistedDocumentsFile: string | undefined;
  /** Whether the schema can be introspected (GraphiQL needs it). */
  introspection: boolean;
  /** How long the gateway waits for one subgraph call, in milliseconds. */
  subgraphTimeoutMs: number;
  /** How often a query whose subgraph call could not connect is retried. */
  subgraphRetries: number;
  /** Delay before the first retry, in milliseconds (each further retry waits 1.25 times longer). */
  subgraphRetryDelayMs: number;
  corsOrigins: CorsOrigins;
  /** Whether Prometheus metrics are served at /metrics. */
  metrics: boolean;
  /** Base URL of an OTLP/HTTP collector to send traces to; unset, nothing is traced. */
  otlpEndpoint: string | undefined;
  /** Whether the gateway caches answers (by the supergraph's `@cacheControl` hints) and tells CDNs how long they may. */
  responseCache: boolean;
  /** How long an answer whose types and fields carry no `@cacheControl` hint is cached, in milliseconds. */
  responseCacheTtlMs: number;
  /** Most answers kept in memory (least recently used go first); not used with Redis. */
  responseCacheMaxEntries: number;
  /** How often the gateway asks every subgraph for its data version, in milliseconds; 0 for only when it calls them anyway. */
  responseCachePollMs: number;
  responseCacheReport: ResponseCacheReport;
  /** Redis (`redis://` or `rediss://`) the response cache is kept in, shared by replicas; unset, it is in memory. */
  redisUrl: string | undefined;
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
  /** The mobility subgraph's synthetic default and disclosure control. */
  mobility: MobilityConfig;
  /** The NYKO subgraph: its durable store of imported versions, and who may import. */
  nyko: {
    /** SQLite file of the NYKO versions (imports are kept; never rebuilt from data/). */
    store: string;
    /** NYKO_TOKENS as given: `subject:sha256:kommuner` entries (parsed by the subgraph, which owns tokens). */
    tokens: string;
  };
  /** The gateway's operation limits, fault handling and operations surface. */
  gateway: GatewaySettings;
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

function wholeNumber(value: string, key: string, min: number): number {
  const number = Number(value);
  if (Number.isInteger(number) && number >= min) return number;
  throw new Error(`${key}=${value} is not a whole number of at least ${min}`);
}

function share(value: string, key: string): number {
  const number = Number(value);
  if (number > 0 && number <= 1) return number;
  throw new Error(`${key}=${value} is not a share: expected a number above 0 and at most 1, e.g. ${key}=0.01`);
}

function isoDates(value: string, key: string): string[] {
  const dates = value.split(',').map((date) => date.trim());
  const valid = dates.every((date) => /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(Date.parse(`${date}T00:00:00Z`)));
  if (dates.length > 0 && valid && new Set(dates).size === dates.length) return dates.sort();
  throw new Error(`${key}=${value} is not a list of distinct ISO dates, e.g. ${key}=2022-11-15,2022-11-16`);
}

function flag(value: string, key: string): boolean {
  return oneOf(value, ['true', 'false'] as const, key) === 'true';
}

function httpUrl(value: string, key: string): string {
  if (/^https?:\/\/[^/]/.test(value) && URL.canParse(value)) return value.replace(/\/+$/, '');
  throw new Error(`${key}=${value} is not an http(s) URL, e.g. ${key}=http://localhost:4318`);
}

function redisUrl(value: string, key: string): string {
  if (/^rediss?:\/\/[^/]/.test(value) && URL.canParse(value)) return value;
  throw new Error(`${key}=${value} is not a Redis URL: expected redis://host:port or rediss://host:port, e.g. ${key}=redis://127.0.0.1:6379`);
}

function corsOrigins(value: string, key: string): CorsOrigins {
  if (value === '*' || value === 'off') return value;
  const origins = value.split(',').map((origin) => origin.trim());
  const valid = origins.every((origin) => URL.canParse(origin) && new URL(origin).origin === origin);
  if (valid) return origins;
  throw new Error(`${key}=${value} is not allowed: expected *, off, or comma-separated origins without a path, e.g. ${key}=https://example.org,http://localhost:5173`);
}

function gatewaySettings(env: Env): GatewaySettings {
  return {
    maxDepth: wholeNumber(env.MAX_QUERY_DEPTH ?? '12', 'MAX_QUERY_DEPTH', 0),
    maxAliases: wholeNumber(env.MAX_QUERY_ALIASES ?? '30', 'MAX_QUERY_ALIASES', 0),
    maxTokens: wholeNumber(env.MAX_QUERY_TOKENS ?? '2000', 'MAX_QUERY_TOKENS', 0),
    maxCost: wholeNumber(env.MAX_QUERY_COST ?? '100000', 'MAX_QUERY_COST', 0),
    costInExtensions: flag(env.QUERY_COST_IN_EXTENSIONS ?? 'false', 'QUERY_COST_IN_EXTENSIONS'),
    persistedDocuments: oneOf(env.PERSISTED_DOCUMENTS ?? 'off', ['off', 'allow', 'require'] as const, 'PERSISTED_DOCUMENTS'),
    persistedDocumentsFile: env.PERSISTED_DOCUMENTS_FILE ? path.resolve(PROJECT_ROOT, env.PERSISTED_DOCUMENTS_FILE) : undefined,
    introspection: flag(env.INTROSPECTION ?? 'true', 'INTROSPECTION'),
    subgraphTimeoutMs: wholeNumber(env.SUBGRAPH_TIMEOUT_MS ?? '30000', 'SUBGRAPH_TIMEOUT_MS', 1),
    subgraphRetries: wholeNumber(env.SUBGRAPH_RETRIES ?? '2', 'SUBGRAPH_RETRIES', 0),
    subgraphRetryDelayMs: wholeNumber(env.SUBGRAPH_RETRY_DELAY_MS ?? '100', 'SUBGRAPH_RETRY_DELAY_MS', 0),
    corsOrigins: corsOrigins(env.CORS_ORIGINS ?? '*', 'CORS_ORIGINS'),
    metrics: flag(env.METRICS ?? 'true', 'METRICS'),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ? httpUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT') : undefined,
    responseCache: oneOf(env.RESPONSE_CACHE ?? 'on', ['on', 'off'] as const, 'RESPONSE_CACHE') === 'on',
    responseCacheTtlMs: wholeNumber(env.RESPONSE_CACHE_TTL_MS ?? '3600000', 'RESPONSE_CACHE_TTL_MS', 0),
    responseCacheMaxEntries: wholeNumber(env.RESPONSE_CACHE_MAX_ENTRIES ?? '1000', 'RESPONSE_CACHE_MAX_ENTRIES', 1),
    responseCachePollMs: wholeNumber(env.RESPONSE_CACHE_POLL_MS ?? '10000', 'RESPONSE_CACHE_POLL_MS', 0),
    responseCacheReport: oneOf(env.RESPONSE_CACHE_REPORT ?? 'header', ['header', 'extensions', 'off'] as const, 'RESPONSE_CACHE_REPORT'),
    redisUrl: env.REDIS_URL ? redisUrl(env.REDIS_URL, 'REDIS_URL') : undefined,
  };
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
      timeoutMs: wholeNumber(env.PXWEB_TIMEOUT_MS ?? '30000', 'PXWEB_TIMEOUT_MS', 1),
    },
    mobility: {
      source: oneOf(env.MOBILITY_SOURCE ?? 'synthetic', ['synthetic', 'delivered'] as const, 'MOBILITY_SOURCE'),
      deliveryStore: path.resolve(PROJECT_ROOT, env.MOBILITY_DELIVERY_STORE ?? path.join('var', 'mobility-deliveries.sqlite')),
      seed: wholeNumber(env.MOBILITY_SEED ?? '20221115', 'MOBILITY_SEED', 0),
      sampleShare: share(env.MOBILITY_SAMPLE_SHARE ?? '0.01', 'MOBILITY_SAMPLE_SHARE'),
      dates: isoDates(env.MOBILITY_DATES ?? '2022-11-15', 'MOBILITY_DATES'),
      disclosure: {
        method: oneOf(env.MOBILITY_DISCLOSURE ?? 'delete', ['delete', 'flag'] as const, 'MOBILITY_DISCLOSURE'),
        k: wholeNumber(env.MOBILITY_K ?? '5', 'MOBILITY_K', 1),
        roundingBase: wholeNumber(env.MOBILITY_ROUNDING_BASE ?? '1', 'MOBILITY_ROUNDING_BASE', 1),
        perturbSmall: oneOf(env.MOBILITY_PERTURB_SMALL ?? 'true', ['true', 'false'] as const, 'MOBILITY_PERTURB_SMALL') === 'true',
      },
    },
    gateway: gatewaySettings(env),
    nyko: {
      store: path.resolve(PROJECT_ROOT, env.NYKO_STORE ?? path.join(env.REGIONGRAPH_STORE_DIR ?? 'var', 'nyko.sqlite')),
      tokens: env.NYKO_TOKENS ?? '',
    },
    port,
    subgraphUrl: (name) => env[envKey(name, 'URL')] ?? `http://${callableHost(host)}:${port(name)}/graphql`,
  };
}
