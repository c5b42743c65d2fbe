// The subgraph module contract and the one way a subgraph is served over HTTP.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type GraphQLRequestContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { GraphQLError, parse, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { callableHost, type AppConfig } from './config.ts';
import { DATA_VERSION_HEADER, recordStores, startVersion } from './data-version.ts';
import { ERROR_CODES } from './errors.ts';
import { REQUEST_ID_HEADER, withLogFields, type Logger } from './log.ts';

/** What every subgraph folder's index.ts exports. */
export interface SubgraphModule<TSource = unknown, TContext = unknown> {
  /** One name for the folder, the service, the port variable and the supergraph's join__Graph. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  /** Runs once per process: opens stores, builds indexes. */
  createSource(config: AppConfig, log: Logger): Promise<TSource> | TSource;
  /** Runs once per request: fresh DataLoaders over the source; the request's headers for subgraphs that authorize writes. */
  createContext(source: TSource, request?: SubgraphRequest): TContext;
  /** Releases what createSource opened. */
  closeSource?(source: TSource): void | Promise<void>;
  /**
   * The version of the data served now, for a subgraph whose data changes while it runs (an import through a mutation):
   * asked on every answer, so it must be cheap. Without it, the version is fixed at start from the stores createSource opened.
   */
  dataVersion?(source: TSource): string;
}

/** What a subgraph's context may read of the HTTP request. */
export interface SubgraphRequest {
  /** Header names in lower case. */
  headers: ReadonlyMap<string, string>;
}

/** Keeps a module's source and context types tied together while the list of modules stays untyped. */
export function defineSubgraph<TSource, TContext>(module: SubgraphModule<TSource, TContext>): SubgraphModule<TSource, TContext> {
  return module;
}

/**
 * Reads a subgraph's SDL from a file next to its module, never relative to the working directory. `estimates` adds the
 * NYKO composition (read through @requires) and the estimate types that statistics and mobility share.
 */
export function readTypeDefs(url: URL, options: { estimates?: boolean } = {}): DocumentNode {
  return parse([readFileSync(url, 'utf8'), CACHE_CONTROL_SDL, ...(options.estimates ? [ESTIMATE_SDL] : [])].join('\n'));
}

/** The @cacheControl directive and its scope enum, declared once for every subgraph (composition needs them in each). */
const CACHE_CONTROL_SDL = readFileSync(new URL('./cache-control.graphql', import.meta.url), 'utf8');

/** The NYKO composition and estimate types, declared once for the subgraphs that estimate on NYKO areas. */
const ESTIMATE_SDL = readFileSync(new URL('./estimate.graphql', import.meta.url), 'utf8');

/** Hides unexpected failures from clients while keeping coded errors as they are. */
export function maskUnexpectedError(formatted: GraphQLFormattedError, error: unknown, log: Logger): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  const known = typeof code === 'string' && code in ERROR_CODES && code !== 'INTERNAL_SERVER_ERROR';
  if (known || (original === undefined && code !== 'INTERNAL_SERVER_ERROR')) return formatted;
  log.error('unexpected error in resolver', { error: String(original ?? error), path: formatted.path });
  return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** Builds the Apollo subgraph server for a module and its source (no listening). */
export function createSubgraphServer<TSource, TContext extends object>(
  module: SubgraphModule<TSource, TContext>,
  log: Logger,
): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs: module.typeDefs, resolvers: module.resolvers }]),
    includeStacktraceInErrorResponses: false,
    // No landing page (it loads from a CDN) and no Apollo Studio traces (nothing here reports to Studio).
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    formatError: (formatted, error) => maskUnexpectedError(formatted, error, log),
  });
}

export interface RunningSubgraph {
  name: string;
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Starts one subgraph on host:port (port 0 picks a free one) with /graphql and /health. */
export async function startSubgraph<TSource, TContext extends object>(
  module: SubgraphModule<TSource, TContext>,
  config: AppConfig,
  log: Logger,
  port: number = config.port(module.name),
): Promise<RunningSubgraph> {
  const { value: source, fingerprints } = await recordStores(() => module.createSource(config, log));
  const fixedVersion = startVersion(module.name, fingerprints);
  const dataVersion = () => module.dataVersion?.(source) ?? fixedVersion;
  const apollo = createSubgraphServer(module, log);
  await apollo.start();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') {
      const version = dataVersion();
      res.setHeader(DATA_VERSION_HEADER, version);
      return sendJson(res, 200, { status: 'ok', subgraph: module.name, dataVersion: version });
    }
    if (url.pathname !== '/graphql') return sendJson(res, 404, { error: `Not found: this subgraph serves /graphql and /health` });
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return sendJson(res, 400, { errors: [{ message: 'The request body is not JSON: send {"query": "..."}', extensions: { code: 'BAD_USER_INPUT' } }] });
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => module.createContext(source, { headers }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    // Read by the gateway's response cache, whose keys change when a subgraph's data does; taken after the operation ran,
    // so that a mutation's answer carries the version it made.
    res.setHeader(DATA_VERSION_HEADER, dataVersion());
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') return void res.end(response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
  const server: Server = createServer((req, res) => {
    // The gateway passes its request id on; a direct call gets one here, so its log lines can be found together too.
    const given = req.headers[REQUEST_ID_HEADER];
    const requestId = (Array.isArray(given) ? given[0] : given) || randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const started = performance.now();
    // requestId given here: 'finish' fires outside the request's async context, which withLogFields covers.
    res.once('finish', () =>
      log.debug('request', { requestId, method: req.method, path: req.url?.split('?')[0], status: res.statusCode, durationMs: Math.round(performance.now() - started) }),
    );
    withLogFields({ requestId }, () =>
      handle(req, res).catch((error: unknown) => {
        log.error('request failed', { error: String(error) });
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.end();
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    name: module.name,
    url: `http://${callableHost(address.address)}:${address.port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
      await module.closeSource?.(source);
    },
  };
}

export type { GraphQLResolverMap, GraphQLRequestContext };
