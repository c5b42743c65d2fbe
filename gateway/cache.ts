// Response caching: Hive's response cache over the supergraph's @cacheControl hints, keyed by the subgraphs' data versions, with Cache-Control for CDNs.
import { createHash } from 'node:crypto';
import { defaultBuildResponseCacheKey } from '@envelop/response-cache';
import type { GatewayConfigSupergraph, GatewayPlugin } from '@graphql-hive/gateway-runtime';
import InMemoryLRUCache from '@graphql-mesh/cache-inmemory-lru';
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable } from 'graphql-yoga';
import type { GatewaySettings } from '../lib/config.ts';
import { DATA_VERSION_HEADER } from '../lib/data-version.ts';
import type { Logger } from '../lib/log.ts';
import { systemCodeOf } from './faults.ts';
import { probeSubgraph } from './operations.ts';

/** The header that says whether an answer came from the cache (`hit`), was stored in it (`miss`) or could not be (`pass`). */
export const CACHE_STATUS_HEADER = 'x-response-cache';

type Storage = NonNullable<GatewayConfigSupergraph['cache']>;

/** What Yoga turns into response headers and leaves out of the body. */
interface HttpExtensions {
  http?: { headers?: Record<string, string> };
}

/** The longest the gateway's start waits for the subgraphs' data versions. */
const STARTUP_CHECK_MS = 5000;

/** Mesh's prefix for its response cache keys; after it comes the response key, or for its entity index `<entity>:<response key>`. */
const PREFIX = 'response-cache:';

/**
 * The data version every subgraph reports (lib/data-version.ts), folded into one tag that starts every cache key: when a
 * subgraph serves other data (after a sync, an import or a mutation), new keys are used and the old answers are never read
 * again (they expire with their TTL). Versions are read from the answers of every subgraph call and polled between them.
 */
export class DataVersions {
  #versions = new Map<string, string>();
  #tag = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly subgraphUrls: Record<string, string>,
    private readonly log: Logger,
  ) {
    this.#retag();
  }

  /** The current tag: a short hash of every subgraph's data version. */
  get tag(): string {
    return this.#tag;
  }

  /** Takes note of the version a subgraph reported; a new one changes the tag. */
  observe(name: string, version: string | null | undefined): void {
    if (!version || this.#versions.get(name) === version) return;
    const previous = this.#versions.get(name);
    this.#versions.set(name, version);
    this.#retag();
    if (previous !== undefined) this.log.info('subgraph data changed: cached answers are no longer used', { subgraph: name, from: previous, to: version });
  }

  /** The subgraph a request goes to, by its URL. */
  nameOf(url: string): string | undefined {
    return Object.keys(this.subgraphUrls).find((name) => this.subgraphUrls[name] === url);
  }

  /** Asks every subgraph for its version now (one `{ __typename }` each); one that does not answer keeps its last version. */
  async check(timeoutMs: number): Promise<void> {
    await Promise.all(Object.entries(this.subgraphUrls).map(async ([name, url]) => this.observe(name, (await probeSubgraph(url, timeoutMs)).dataVersion)));
  }

  /** Checks every `intervalMs` until stopped; 0 never (versions are then read only from the answers of subgraph calls). */
  poll(intervalMs: number, timeoutMs: number): void {
    if (intervalMs === 0) return;
    this.#timer = setInterval(() => void this.check(Math.min(timeoutMs, intervalMs)), intervalMs);
    // A poll alone must not keep the process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #retag(): void {
    const versions = Object.keys(this.subgraphUrls).map((name) => `${name}=${this.#versions.get(name) ?? ''}`);
    this.#tag = createHash('sha256').update(versions.join('\n')).digest('hex').slice(0, 12);
  }
}

/** Reads each subgraph call's data version, so that an answer built from changed data is not stored under the old tag. */
function useDataVersionObserver(versions: DataVersions): GatewayPlugin {
  return {
    onFetch({ url }) {
      const name = versions.nameOf(url);
      if (name === undefined) return;
      return ({ response }) => versions.observe(name, response.headers.get(DATA_VERSION_HEADER));
    },
  };
}

/** What answersOnly needs of a store, and how to close it. */
interface AnswerStore extends Pick<Storage, 'get' | 'set' | 'delete'> {
  dispose(): Promise<void>;
}

/**
 * The store under Hive's response cache, holding answers and nothing else:
 * - Hive keeps the supergraph in its cache too, and a gateway starting within its minute reads that copy instead of the
 *   committed file: with Redis, a new deployment could serve the schema before it, or a replica another's subgraph URLs.
 * - Hive (Mesh) writes an index of two keys per entity in an answer (2,700 for the DeSO of Stockholms län), which would push
 *   answers out of a bounded store, and reads response keys back from it by splitting on ':', which every area id contains,
 *   so it could never invalidate our entities: data versions do that instead.
 * Each stored answer gets an `Expires` header, so that a hit can tell a CDN how long it has left. A store that fails (Redis
 * down) answers as a miss: the gateway then works uncached rather than not at all.
 */
function answersOnly(store: AnswerStore, log: Logger): Storage {
  const isAnswerKey = (key: string) => key.startsWith(PREFIX) && !key.slice(PREFIX.length).includes(':');
  let failing = false;
  const guard = async <T>(operation: string, fallback: T, run: () => Promise<T> | T): Promise<T> => {
    try {
      const value = await run();
      if (failing) log.info('response cache store works again');
      failing = false;
      return value;
    } catch (error) {
      if (!failing) log.warn('response cache store failed: answering without the cache until it works again', { operation, error: String(error), code: systemCodeOf(error) });
      failing = true;
      return fallback;
    }
  };
  return {
    get: (key) => (isAnswerKey(key) ? guard('get', undefined, () => store.get(key)) : undefined),
    set: (key, value: ExecutionResult<unknown, HttpExtensions>, options) => {
      if (!isAnswerKey(key)) return;
      const headers = { ...value.extensions?.http?.headers, ...(options?.ttl ? { Expires: new Date(Date.now() + options.ttl * 1000).toUTCString() } : {}) };
      return guard('set', undefined, () => store.set(key, { ...value, extensions: { ...value.extensions, http: { ...value.extensions?.http, headers } } }, options));
    },
    delete: (key) => (isAnswerKey(key) ? guard('delete', false, () => store.delete(key)) : false),
    // Asked only for the entity index, which is not kept.
    getKeysByPrefix: () => [],
  };
}

/** Redis without a password in it, for messages. */
function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Redis as the store, shared by gateway replicas. Connected before the gateway starts, so a wrong REDIS_URL stops it with a
 * clear message; later, while Redis is unreachable, calls fail at once (no offline queue) and count as misses while the client
 * reconnects. ioredis directly rather than Mesh's RedisCache, which queues calls while disconnected (about 10 s per call
 * before it fails) and prints every reconnect failure to stderr.
 */
async function redisStore(url: string, log: Logger): Promise<AnswerStore> {
  // Loaded only when REDIS_URL is set.
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 5000 });
  // Without a listener ioredis prints each failed reconnect; answersOnly logs the outage once. The last error says why.
  let lastError: unknown;
  client.on('error', (error) => {
    lastError = error;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const cause = lastError ?? error;
    const reason = systemCodeOf(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    throw new Error(`REDIS_URL=${safeUrl(url)}: cannot connect to Redis (${reason}): start Redis there, correct the URL, or unset REDIS_URL to cache in memory`);
  }
  log.info('response cache in Redis', { url: safeUrl(url) });
  return {
    get: async (key) => {
      const text = await client.get(key);
      return text === null ? undefined : JSON.parse(text);
    },
    set: async (key, value, options) => {
      if (options?.ttl) await client.set(key, JSON.stringify(value), 'PX', Math.round(options.ttl * 1000));
      else await client.set(key, JSON.stringify(value));
    },
    delete: async (key) => (await client.del(key)) > 0,
    dispose: async () => {
      client.disconnect();
    },
  };
}

/** In memory, the default: the least recently used answers go first, and each expires with its TTL. */
function memoryStore(maxEntries: number): AnswerStore {
  const store = new InMemoryLRUCache({ max: maxEntries });
  return Object.assign(store, { dispose: async () => store[Symbol.dispose]() });
}

/** The response cache's parts, for gateway/server.ts to put into the runtime's config. */
export interface ResponseCache {
  /** Hive's `cache` (the store). */
  cache: Storage;
  /** Hive's `responseCaching`. */
  responseCaching: NonNullable<GatewayConfigSupergraph['responseCaching']>;
  plugins: GatewayPlugin[];
  dispose(): Promise<void>;
}

/** The response cache from the settings (in memory, or Redis with REDIS_URL), or undefined with RESPONSE_CACHE=off. */
export async function responseCache(settings: GatewaySettings, subgraphUrls: Record<string, string>, log: Logger): Promise<ResponseCache | undefined> {
  if (!settings.responseCache) return undefined;
  const store = settings.redisUrl ? await redisStore(settings.redisUrl, log) : memoryStore(settings.responseCacheMaxEntries);
  const versions = new DataVersions(subgraphUrls, log);
  // Known before the first answer is cached, so that it is not stored under a tag that changes a moment later; a subgraph
  // that is slow to answer now is read from its first answer instead of holding up the start.
  await versions.check(Math.min(settings.subgraphTimeoutMs, STARTUP_CHECK_MS));
  versions.poll(settings.responseCachePollMs, settings.subgraphTimeoutMs);
  const keyPrefix = () => `${versions.tag}.`;
  return {
    cache: answersOnly(store, log),
    responseCaching: {
      // One cache for everyone: the API is public and has no sessions.
      session: () => null,
      // An answer to a request with credentials (a NYKO import) may depend on who asks: it is neither cached nor served from it.
      enabled: (request) => !request.headers.has('authorization'),
      ttl: settings.responseCacheTtlMs,
      // Always on: useCacheHeaders reads it, then shows it or not as RESPONSE_CACHE_REPORT says.
      includeExtensionMetadata: true,
      buildResponseCacheKey: async (params) => `${keyPrefix()}${await defaultBuildResponseCacheKey(params)}`,
      // Never an answer with errors (a partial answer included), nor one whose data changed while it was built.
      shouldCacheResult: ({ cacheKey, result }) => !result.errors?.length && cacheKey.startsWith(keyPrefix()),
    },
    plugins: [useDataVersionObserver(versions)],
    dispose: async () => {
      versions.stop();
      await store.dispose();
    },
  };
}

/** Runs `build` without Envelop's warning that `ttlPerType` is deprecated: Hive always passes one (empty), we never set it. */
export function withoutTtlPerTypeWarning<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('`ttlForType` is deprecated')) warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

interface CacheMetadata {
  hit?: boolean;
  didCache?: boolean;
  /** Milliseconds, when the answer was just stored. */
  ttl?: number;
}

type CacheStatus = 'hit' | 'miss' | 'pass';

/** Seconds a CDN may keep the answer: what is left of the stored answer's life on a hit, its whole TTL when just stored. */
function freshSeconds(status: CacheStatus, metadata: CacheMetadata | undefined, expires: string | undefined): number {
  if (status === 'miss') return Math.floor((metadata?.ttl ?? 0) / 1000);
  if (status === 'hit' && expires !== undefined) return Math.max(0, Math.floor((Date.parse(expires) - Date.now()) / 1000));
  return 0;
}

/**
 * `Cache-Control` on every GraphQL answer: `public, max-age=<seconds>` for a GET whose answer is cached (the shortest
 * `maxAge` of its types and fields), else `no-store` (POST, errors, mutations, a field with `maxAge: 0`, the cache off).
 * Whether it came from the cache is reported as RESPONSE_CACHE_REPORT says.
 */
export function useCacheHeaders(settings: GatewaySettings): GatewayPlugin {
  return {
    onResultProcess({ request, result, setResult }) {
      if (isAsyncIterable(result) || Array.isArray(result)) return;
      const { responseCache: metadata, ...extensions } = (result.extensions ?? {}) as HttpExtensions & { responseCache?: CacheMetadata };
      const status: CacheStatus = metadata?.hit ? 'hit' : metadata?.didCache ? 'miss' : 'pass';
      const seconds = request.method === 'GET' ? freshSeconds(status, metadata, extensions.http?.headers?.Expires) : 0;
      const headers = {
        ...extensions.http?.headers,
        'Cache-Control': seconds > 0 ? `public, max-age=${seconds}` : 'no-store',
        // The body's media type follows the request's Accept header, so a shared cache must key on it too.
        ...(seconds > 0 ? { Vary: 'Accept' } : {}),
        ...(settings.responseCache && settings.responseCacheReport === 'header' ? { [CACHE_STATUS_HEADER]: status } : {}),
      };
      const shown = settings.responseCacheReport === 'extensions' && metadata ? { responseCache: metadata } : {};
      setResult({ ...result, extensions: { ...extensions, ...shown, http: { ...extensions.http, headers } } });
    },
  };
}
