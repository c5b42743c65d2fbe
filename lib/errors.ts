// The one registry of error codes a client can see in `extensions.code`, with factories that build them.
import { GraphQLError } from 'graphql';

export const ERROR_CODES = {
  BAD_USER_INPUT: 'An argument is malformed or out of range; the message names the expected format and an example.',
  GRAPHQL_PARSE_FAILED: 'The operation is not valid GraphQL syntax.',
  GRAPHQL_VALIDATION_FAILED: 'The operation does not match the schema (unknown field, wrong argument type).',
  UPSTREAM_UNAVAILABLE:
    'The publisher (SCB PxWeb) could not be reached, timed out or failed, and no cached copy exists; in offline mode, the data is not in the snapshot. Retry later, or run `npm run sync` while online.',
  UPSTREAM_RATE_LIMITED:
    "The publisher kept answering 429 Too Many Requests after regiongraph's bounded retries; `extensions.retryAfterSeconds` says when to try again.",
  UPSTREAM_REJECTED:
    'The publisher refused the request (an unknown table, variable or value code, or a selection it cannot serve); the message quotes its reason and says which argument to change.',
  INTERNAL_SERVER_ERROR: 'A bug or an unexpected failure inside regiongraph; the message carries no internals (they are logged). Report it with the operation you sent.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Builds a GraphQLError whose `extensions.code` comes from the registry. */
export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** A malformed argument: say what was given, what was expected, and give an example. */
export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return codedError('BAD_USER_INPUT', message, extensions);
}
