// Operation limits: depth, aliases and tokens (GraphQL Armor), cost (Hive's demand control), persisted documents, introspection.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GatewayConfigSupergraph, GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { GraphQLError } from 'graphql';
import type { GatewaySettings } from '../lib/config.ts';
import { OPERATIONS_DIR } from './config.ts';
import { persistedDocumentNotFound, persistedDocumentRequired, queryOrDocumentIdMissing, queryTooDeep, tooManyAliases, tooManyTokens } from './errors.ts';
import { readExampleOperations } from './graphiql.ts';

/** The count GraphQL Armor reports in its rejection ("… exceeded, found 14."); it offers no other way to read it. */
function foundIn(error: GraphQLError): number | undefined {
  const match = /found (\d+)/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/** Depth, alias and token limits as plugins; a limit of 0 is off. Each rejection is a coded error with the limit in it. */
export function limitPlugins({ maxDepth, maxAliases, maxTokens }: GatewaySettings): GatewayPlugin[] {
  const plugins: GatewayPlugin[] = [];
  // propagateOnRejection off: Armor's own error has no code, so ours is reported in its place.
  if (maxDepth > 0) {
    plugins.push(maxDepthPlugin({ n: maxDepth, propagateOnRejection: false, onReject: [(context, error) => context?.reportError(queryTooDeep(maxDepth, foundIn(error)))] }));
  }
  if (maxAliases > 0) {
    plugins.push(
      maxAliasesPlugin({ n: maxAliases, propagateOnRejection: false, onReject: [(context, error) => context?.reportError(tooManyAliases(maxAliases, foundIn(error)))] }),
    );
  }
  if (maxTokens > 0) {
    // The parser stops at the first token over the limit, so the total is never known.
    plugins.push(
      maxTokensPlugin({
        n: maxTokens,
        propagateOnRejection: false,
        onReject: [
          () => {
            throw tooManyTokens(maxTokens);
          },
        ],
      }),
    );
  }
  return plugins;
}

/** Hive's demand control: the cost is estimated from the supergraph's `@cost`/`@listSize` (on the geo subgraph's lists and geometry). */
export function demandControl({ maxCost, costInExtensions }: GatewaySettings): GatewayConfigSupergraph['demandControl'] {
  if (maxCost === 0 && !costInExtensions) return undefined;
  return { maxCost: maxCost > 0 ? maxCost : undefined, includeExtensionMetadata: costInExtensions };
}

/** The id of a persisted document: the SHA-256 of its text in hex, as Apollo's and Hive's clients compute it. */
export function documentId(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}

/** The persisted documents by id: the file's `{ "<id>": "<document>" }`, or else each example operation under its SHA-256. */
async function loadPersistedDocuments(file: string | undefined): Promise<Map<string, string>> {
  if (file === undefined) {
    const operations = await readExampleOperations(OPERATIONS_DIR);
    return new Map(operations.map((operation) => [documentId(operation.query), operation.query]));
  }
  const expected = `expected a JSON object of documents by id, e.g. {"<sha256>": "query Q { … }"}`;
  let entries: unknown;
  try {
    entries = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`PERSISTED_DOCUMENTS_FILE=${file} cannot be read (${error instanceof Error ? error.message : String(error)}): ${expected}`);
  }
  if (typeof entries !== 'object' || entries === null || !Object.values(entries).every((document) => typeof document === 'string')) {
    throw new Error(`PERSISTED_DOCUMENTS_FILE=${file} is not allowed: ${expected}`);
  }
  return new Map(Object.entries(entries as Record<string, string>));
}

/** Persisted documents as Hive runs them: off, allowed beside arbitrary documents, or required. */
export async function persistedDocuments({ persistedDocuments: mode, persistedDocumentsFile }: GatewaySettings): Promise<GatewayConfigSupergraph['persistedDocuments']> {
  if (mode === 'off') return undefined;
  const documents = await loadPersistedDocuments(persistedDocumentsFile);
  return {
    getPersistedOperation(id) {
      const document = documents.get(id.replace(/^sha256:/, ''));
      if (document !== undefined) return document;
      // Thrown rather than returned as null so that the message can name the id.
      throw persistedDocumentNotFound(id);
    },
    allowArbitraryDocuments: mode === 'allow',
    customErrors: { persistedQueryOnly: persistedDocumentRequired, keyNotFound: mode === 'require' ? persistedDocumentRequired : queryOrDocumentIdMissing },
  };
}

/** Introspection stays on for GraphiQL unless INTROSPECTION=false. */
export function disableIntrospection({ introspection }: GatewaySettings): GatewayConfigSupergraph['disableIntrospection'] {
  return introspection ? undefined : {};
}
