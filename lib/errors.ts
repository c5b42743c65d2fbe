// The one registry of error codes a client can see in `extensions.code`, with factories that build them.
import { GraphQLError } from 'graphql';

export const ERROR_CODES = {
  BAD_USER_INPUT: 'An argument is malformed or out of range; the message names the expected format and an example.',
  GRAPHQL_PARSE_FAILED: 'The operation is not valid GraphQL syntax.',
  GRAPHQL_VALIDATION_FAILED: 'The operation does not match the schema (unknown field, wrong argument type).',
  UPSTREAM_UNAVAILABLE:
    'A source could not be reached, timed out or failed: the publisher (SCB PxWeb) with no cached copy (in offline mode, the data is not in the snapshot; retry later, or run `npm run sync` while online), or a subgraph behind the gateway, named in `extensions.serviceName`, whose fields are then null while the rest of the answer stands.',
  UPSTREAM_TIMEOUT:
    "A subgraph, named in `extensions.serviceName`, did not answer within the gateway's timeout; its fields are null while the rest of the answer stands. Ask for less (a smaller `first`, fewer areas) or retry later.",
  UPSTREAM_RATE_LIMITED:
    "The publisher kept answering 429 Too Many Requests after regiongraph's bounded retries; `extensions.retryAfterSeconds` says when to try again.",
  UPSTREAM_REJECTED:
    'The publisher refused the request (an unknown table, variable or value code, or a selection it cannot serve); the message quotes its reason and says which argument to change.',
  QUERY_TOO_DEEP:
    'The operation nests more levels than the gateway allows; `extensions.limit` is the limit and `extensions.actual` the depth found. Split the query or request fewer nested levels.',
  TOO_MANY_ALIASES:
    'The operation uses more aliases than the gateway allows; `extensions.limit` is the limit and `extensions.actual` the number found. Split it into several requests.',
  TOO_MANY_TOKENS:
    'The operation document has more tokens than the gateway allows (`extensions.limit`). Pass long lists as variables instead of literals, or split the query.',
  QUERY_TOO_COMPLEX:
    "The estimated cost of the operation (`extensions.actual`) is above the gateway's limit (`extensions.limit`); lists count each item and `geometry` weighs most. Request fewer items (a smaller `first`, paging with `after`) or fewer costly fields.",
  PERSISTED_DOCUMENT_REQUIRED:
    'The gateway runs only persisted documents: send `documentId` (the SHA-256 of a persisted document) instead of `query`.',
  PERSISTED_DOCUMENT_NOT_FOUND: 'No persisted document has the `documentId` (or `extensions.persistedQuery.sha256Hash`) sent; the message names it.',
  UNAUTHENTICATED:
    'The operation writes data and needs a bearer token (`Authorization: Bearer <token>`); none was sent, or it is not one regiongraph knows. Ask the operator for a token (`npm run nyko:token`).',
  FORBIDDEN: 'The token is valid but not allowed to write this kommun; the message names the kommuner it may write.',
  NYKO_IMPORT_INVALID:
    'A NYKO import was refused and nothing was saved: `extensions.issues` lists every problem (severity, code, file, feature, value, message, hint), errors first, capped; fix the file or the mapping and send it again.',
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
