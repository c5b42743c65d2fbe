// Gateway settings: the committed supergraph with each subgraph's URL taken from the environment.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '../lib/config.ts';

export const SUPERGRAPH_PATH = fileURLToPath(new URL('../schema/supergraph.graphql', import.meta.url));
export const OPERATIONS_DIR = fileURLToPath(new URL('../schema/operations', import.meta.url));

const JOIN_GRAPH = /@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g;

/** Names of the subgraphs the supergraph joins, in the order it lists them. */
export function subgraphNames(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(JOIN_GRAPH)].map((match) => match[1]);
}

/** Each subgraph the supergraph joins, with the URL it gives for it. */
export function subgraphUrlsOf(supergraphSdl: string): Record<string, string> {
  return Object.fromEntries([...supergraphSdl.matchAll(JOIN_GRAPH)].map((match) => [match[1], match[2]]));
}

/** Points each join__Graph at the URL the configuration gives for that subgraph name. */
export function withSubgraphUrls(supergraphSdl: string, urlOf: (name: string) => string): string {
  return supergraphSdl.replaceAll(JOIN_GRAPH, (_match, name: string) => `@join__graph(name: "${name}", url: ${JSON.stringify(urlOf(name))})`);
}

/** Reads the committed supergraph and rewrites its subgraph URLs from the config. */
export function loadSupergraph(config: AppConfig, overrides: Record<string, string> = {}): string {
  const sdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
  return withSubgraphUrls(sdl, (name) => overrides[name] ?? config.subgraphUrl(name));
}
