// Subgraph faults: a timeout per subgraph call and retries for queries that could not connect (errors.ts says what clients get).
import { useUpstreamRetry, useUpstreamTimeout, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { GatewaySettings } from '../lib/config.ts';

/** Socket-level codes (Node and undici) of a connection that could not be made or broke: a query can safely be sent again. */
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The first system error code (ECONNREFUSED …) in the chain of causes behind an error, if any. */
export function systemCodeOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); ) {
    seen.add(current);
    const { code } = current as NodeJS.ErrnoException;
    if (typeof code === 'string') return code;
    current = (current as GraphQLError).originalError ?? current.cause;
  }
  return undefined;
}

/**
 * Between the two: an error thrown by a subgraph call becomes its result. Hive's upstreamRetry sends a call again after any
 * thrown error without asking shouldRetry, and upstreamTimeout throws, so a hanging subgraph would be waited for again and again.
 */
function useThrownErrorsAsResults(): GatewayPlugin {
  return {
    onSubgraphExecute({ executor, setExecutor }) {
      setExecutor(async (request) => {
        try {
          return await executor(request);
        } catch (error) {
          return { errors: [error instanceof Error && 'extensions' in error ? (error as GraphQLError) : createGraphQLError(String(error), { originalError: error as Error })] };
        }
      });
    },
  };
}

/**
 * Hive's upstreamTimeout (one limit per subgraph call) and upstreamRetry (queries whose connection failed), as plugins rather
 * than the config keys so that they can be ordered: each call is timed, and the retry around it sees a timeout as an answer.
 */
export function faultPlugins(settings: GatewaySettings): GatewayPlugin[] {
  return [
    useUpstreamTimeout(settings.subgraphTimeoutMs),
    useThrownErrorsAsResults(),
    useUpstreamRetry(({ executionRequest }) =>
      // Only queries are retried: a mutation that may have reached the subgraph must not run twice.
      executionRequest.operationType === 'query'
        ? {
            maxRetries: settings.subgraphRetries,
            retryDelay: settings.subgraphRetryDelayMs,
            // Hive would also retry 5xx answers; a subgraph that answered, or hung, is not asked again.
            shouldRetry: ({ executionResult }) =>
              'errors' in executionResult && (executionResult.errors ?? []).some((error) => CONNECTION_FAILURES.has(systemCodeOf(error) ?? '')),
          }
        : undefined,
    ),
  ];
}
