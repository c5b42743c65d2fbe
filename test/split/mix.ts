// The split-deployment test's load: one heavy query over all three subgraphs and two lighter example operations with varying variables, and what the load process reports.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPERATIONS_DIR } from '../../gateway/config.ts';

export interface LoadOperation {
  name: string;
  query: string;
  /** Subgraphs the gateway calls for it: killing one of them must fail exactly the operations that name it. */
  subgraphs: readonly string[];
  /** Variables of its n-th request; they vary so that the load keeps reaching the subgraphs, not one cached answer. */
  variables(n: number, kommunIds: readonly string[]): Record<string, unknown>;
}

const example = (name: string) => readFileSync(path.join(OPERATIONS_DIR, `${name}.graphql`), 'utf8');

/** Every DeSO 2025 of a kommun with SCB's population and its day and night population: geo, statistics and mobility in one plan. */
export const KOMMUN_DESO_MOBILITY = `query KommunDesoMobility($id: ID!) {
  area(id: $id) {
    name
    population(year: 2020) { value }
    mobility { residents }
    children(level: DESO) {
      id
      population(year: 2024) { value }
      mobility { residents dayNightPopulation { night { value } day { value } } }
    }
  }
}`;

export const LOAD_MIX: readonly LoadOperation[] = [
  {
    name: 'KommunDesoMobility',
    query: KOMMUN_DESO_MOBILITY,
    subgraphs: ['geo', 'statistics', 'mobility'],
    variables: (n, kommunIds) => ({ id: kommunIds[n % kommunIds.length] }),
  },
  {
    name: 'KommunPopulationByAge',
    query: example('KommunPopulationByAge'),
    subgraphs: ['geo', 'statistics'],
    // Walks the kommuner from the other end, so the two kommun operations rarely ask about the same one at once.
    variables: (n, kommunIds) => ({ id: kommunIds[kommunIds.length - 1 - (n % kommunIds.length)] }),
  },
  {
    name: 'AreasAtPoint',
    query: example('AreasAtPoint'),
    subgraphs: ['geo'],
    // Points strewn over Sweden's bounding box (some fall in the sea or Norway: an empty or shorter list, no error).
    variables: (n) => ({ point: [11 + ((n * 0.7919) % 13), 55.4 + ((n * 0.5281) % 13.6)] }),
  },
];

/** Every kommun id, asked of the gateway, so the load's variables are real areas. */
export async function fetchKommunIds(graphqlUrl: string): Promise<string[]> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ areas(level: KOMMUN, first: 290) { nodes { id } } }' }),
  });
  const body = (await response.json()) as { data?: { areas: { nodes: { id: string }[] } } };
  const ids = body.data?.areas.nodes.map((node) => node.id) ?? [];
  if (ids.length === 0) throw new Error(`The gateway at ${graphqlUrl} listed no kommuner: ${JSON.stringify(body)}`);
  return ids;
}

/** The line the load process writes to stderr every second while it runs. */
export const progressLine = (responses: number) => `load: ${responses} responses\n`;

/** The responses a load process has had so far, from its output (0 before its first progress line). */
export function responsesSoFar(output: string): number {
  const lines = [...output.matchAll(/^load: (\d+) responses$/gm)];
  return Number(lines.at(-1)?.[1] ?? 0);
}

export interface OperationTally {
  responses: number;
  /** HTTP 2xx without `errors` in the body. */
  ok: number;
  /** `<code>:<serviceName>` (or `HTTP <status>`, `UNPARSABLE`) → how often it was seen. */
  errors: Record<string, number>;
}

export interface LoadReport {
  seconds: number;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts, as autocannon counts them. */
  socketErrors: number;
  timeouts: number;
  operations: Record<string, OperationTally>;
}
