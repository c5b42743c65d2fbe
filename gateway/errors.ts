// The errors the gateway itself gives clients, each with a code from lib/errors.ts, and the plugin that translates Hive's.
import type { GatewayPlugin, Logger as HiveLogger } from '@graphql-hive/gateway-runtime';
import type { GraphQLError, GraphQLErrorOptions } from 'graphql';
import { createGraphQLError, isAsyncIterable } from 'graphql-yoga';
import type { GatewaySettings } from '../lib/config.ts';
import { ERROR_CODES, type ErrorCode } from '../lib/errors.ts';
import { systemCodeOf } from './faults.ts';

// Rejections of the request itself, before anything runs: 400 like any other invalid operation.
const BAD_REQUEST = { http: { status: 400 } };

/**
 * lib/errors.ts's codedError, built with the `graphql` copy Hive and Yoga use: they tell their own errors from unexpected
 * ones with `instanceof`, and a runner that loads `graphql` twice (vitest: ESM and CommonJS) would otherwise see them masked.
 */
function gatewayError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, place: GraphQLErrorOptions = {}): GraphQLError {
  return createGraphQLError(message, { ...place, extensions: { ...extensions, code } });
}

export function queryTooDeep(limit: number, actual: number | undefined): GraphQLError {
  const depth = actual === undefined ? 'Query depth' : `Query depth ${actual}`;
  return gatewayError('QUERY_TOO_DEEP', `${depth} exceeds the limit ${limit}: split the query or request fewer nested levels`, { limit, actual });
}

export function tooManyAliases(limit: number, actual: number | undefined): GraphQLError {
  const aliases = actual === undefined ? 'more aliases than' : `${actual} aliases, more than`;
  return gatewayError('TOO_MANY_ALIASES', `The query uses ${aliases} the limit ${limit}: split it into several requests`, { limit, actual });
}

export function tooManyTokens(limit: number): GraphQLError {
  return gatewayError(
    'TOO_MANY_TOKENS',
    `The query has more than ${limit} tokens, the limit: pass long lists (such as area ids) as variables instead of literals, or split the query`,
    { limit, ...BAD_REQUEST },
  );
}

export function queryTooComplex(limit: number, actual: number, place: GraphQLErrorOptions = {}): GraphQLError {
  return gatewayError(
    'QUERY_TOO_COMPLEX',
    `Query cost ${actual} exceeds the limit ${limit}: request fewer areas (\`areas\` with a smaller \`first\`, paging with \`after\`) or fewer costly fields such as \`geometry\``,
    { limit, actual },
    place,
  );
}

export function persistedDocumentRequired(): GraphQLError {
  return gatewayError(
    'PERSISTED_DOCUMENT_REQUIRED',
    'This gateway runs only persisted documents (PERSISTED_DOCUMENTS=require): send {"documentId": "<SHA-256 of the document>"} instead of a query',
    BAD_REQUEST,
  );
}

export function persistedDocumentNotFound(id: string): GraphQLError {
  return gatewayError('PERSISTED_DOCUMENT_NOT_FOUND', `No persisted document has the id "${id}": send the SHA-256 (hex) of a persisted document`, BAD_REQUEST);
}

export function queryOrDocumentIdMissing(): GraphQLError {
  return gatewayError('BAD_USER_INPUT', 'Send a `query`, or the `documentId` of a persisted document', BAD_REQUEST);
}

/** A subgraph that could not be reached or failed: its fields are null, the rest of the answer stands. */
export function subgraphUnavailable(serviceName: string, cause: GraphQLError, place: GraphQLErrorOptions = {}): GraphQLError {
  const code = systemCodeOf(cause);
  const what = code ? `could not be reached (${code})` : 'failed';
  return gatewayError(
    'UPSTREAM_UNAVAILABLE',
    `The ${serviceName} subgraph ${what}: the fields it serves are null, the rest of the answer stands. Retry later.`,
    { serviceName },
    place,
  );
}

/** A subgraph that did not answer in time: its fields are null, the rest of the answer stands. */
export function subgraphTimeout(serviceName: string, timeoutMs: number, place: GraphQLErrorOptions = {}): GraphQLError {
  return gatewayError(
    'UPSTREAM_TIMEOUT',
    `The ${serviceName} subgraph did not answer within ${timeoutMs} ms: the fields it serves are null, the rest of the answer stands. Ask for less data or retry later.`,
    { serviceName, timeoutMs },
    place,
  );
}

interface Translation {
  /** The registry's error, at the original's place in the response, in place of Hive's. */
  error(original: GraphQLError, serviceName: string, place: GraphQLErrorOptions): GraphQLError;
  /** How loud the log line about it is: a fault of a subgraph is worth a warning, a rejected operation is not. */
  level: 'info' | 'warn';
}

/** Extension keys Hive adds for debugging that must not reach clients: the subgraph's URL and the query sent to it. */
const INTERNAL_EXTENSIONS = ['request', 'response'];

function translations(settings: GatewaySettings): Record<string, Translation> {
  const unavailable: Translation = { error: (original, serviceName, place) => subgraphUnavailable(serviceName, original, place), level: 'warn' };
  const timeout: Translation = { error: (_original, serviceName, place) => subgraphTimeout(serviceName, settings.subgraphTimeoutMs, place), level: 'warn' };
  return {
    // @graphql-tools/executor-http: the subgraph could not be reached or answered with an HTTP error.
    SUBREQUEST_HTTP_ERROR: unavailable,
    // Hive's subgraph-error plugin and the Rust planner: the call to the subgraph failed without a code of its own.
    DOWNSTREAM_SERVICE_ERROR: unavailable,
    // upstreamTimeout, and executor-http's own timeout.
    GATEWAY_TIMEOUT: timeout,
    TIMEOUT_ERROR: timeout,
    // Demand control, which estimates and checks the cost at each subgraph call (see README "Operation limits").
    COST_ESTIMATED_TOO_EXPENSIVE: {
      error: (original, _serviceName, place) => {
        const cost = original.extensions.cost as { estimated: number; max: number };
        return queryTooComplex(cost.max, cost.estimated, place);
      },
      level: 'info',
    },
  };
}

function toRegistryError(original: GraphQLError, table: Record<string, Translation>, log: HiveLogger): GraphQLError {
  const { code, serviceName } = original.extensions;
  const place: GraphQLErrorOptions = { nodes: original.nodes, source: original.source, positions: original.positions, path: original.path };
  const translation = typeof code === 'string' ? table[code] : undefined;
  if (translation) {
    const error = translation.error(original, typeof serviceName === 'string' ? serviceName : '(unnamed)', place);
    log[translation.level]({ code: error.extensions.code, serviceName, cause: original.message, systemCode: systemCodeOf(original) }, error.message);
    return error;
  }
  if (typeof code === 'string' && code in ERROR_CODES) {
    const extensions = Object.fromEntries(Object.entries(original.extensions).filter(([key]) => !INTERNAL_EXTENSIONS.includes(key)));
    return createGraphQLError(original.message, { ...place, extensions });
  }
  log.error({ code, serviceName, error: original.originalError ?? original }, 'unexpected error in the gateway');
  return gatewayError('INTERNAL_SERVER_ERROR', 'Internal server error', {}, place);
}

/** Translates every error of an executed operation before Yoga masks what it does not know, so nothing reaches clients uncoded. */
export function useRegistryErrors(settings: GatewaySettings): GatewayPlugin {
  const table = translations(settings);
  return {
    onExecute({ args }) {
      const { log } = args.contextValue as { log: HiveLogger };
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result) || !result.errors?.length) return;
          setResult({ ...result, errors: result.errors.map((error) => toRegistryError(error, table, log)) });
        },
      };
    },
  };
}
