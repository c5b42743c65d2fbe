// Operation limits through the gateway: depth, aliases, tokens and cost reject abusive queries with a code and a way out; the examples pass.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS_DIR } from '../gateway/config.ts';
import { loadConfig } from '../lib/config.ts';
import { startGateway, startSubgraphs, type RunningGateway, type Subgraphs } from './gateway-fixtures.ts';
import { postGraphql } from './harness.ts';

const operations = readdirSync(OPERATIONS_DIR)
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => [path.basename(file, '.graphql'), readFileSync(path.join(OPERATIONS_DIR, file), 'utf8')] as const);

/** `area { parent { parent { … { id } } } }`: a query whose depth is `depth`. */
function nestedParents(depth: number): string {
  return `{ area(id: "deso2025:1480C2650") { ${'parent { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

/** A list of 6,000 DeSO with their geometry: the abusive query of issue 6. */
const SIX_THOUSAND_DESO = '{ areas(level: DESO, first: 6000) { nodes { id geometry(simplify: 500) } } }';
// 6,000 areas, each costing 1 as an object and 100 for its geometry, plus the connection object.
const SIX_THOUSAND_DESO_COST = 6000 * (1 + 100) + 1;

let subgraphs: Subgraphs;
let gateway: RunningGateway;
beforeAll(async () => {
  subgraphs = await startSubgraphs();
  // The default limits, with the estimated cost returned in every answer.
  gateway = await startGateway(subgraphs.urls, { QUERY_COST_IN_EXTENSIONS: 'true' });
});
afterAll(async () => {
  await gateway?.close();
  await subgraphs?.close();
});

describe('the default operation limits', () => {
  it.each(operations)('let the example operation %s through, well below the cost limit', async (_name, query) => {
    const { status, body } = await postGraphql(gateway.url, query);
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    const cost = (body as { extensions?: { cost?: { estimated: number; max: number } } }).extensions?.cost;
    expect(cost?.max).toBe(100_000);
    expect(cost?.estimated).toBeGreaterThan(0);
    expect(cost!.estimated).toBeLessThan(cost!.max / 2);
  });

  it('reject a query 14 levels deep with QUERY_TOO_DEEP, the depth found and the limit 12, before any subgraph is asked', async () => {
    expect((await postGraphql(gateway.url, nestedParents(12))).body.errors).toBeUndefined();
    const { status, body } = await postGraphql(gateway.url, nestedParents(14));
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Query depth 14 exceeds the limit 12: split the query or request fewer nested levels',
        extensions: expect.objectContaining({ code: 'QUERY_TOO_DEEP', limit: 12, actual: 14 }),
      }),
    ]);
  });

  it('reject 31 aliases with TOO_MANY_ALIASES, and let 30 through', async () => {
    const aliased = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: area(id: "lan:01") { id }`).join(' ')} }`;
    expect((await postGraphql(gateway.url, aliased(30))).body.errors).toBeUndefined();
    const { status, body } = await postGraphql(gateway.url, aliased(31));
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'TOO_MANY_ALIASES', limit: 30, actual: 31 } });
    expect(body.errors?.[0]?.message).toBe('The query uses 31 aliases, more than the limit 30: split it into several requests');
  });

  it('reject a document of more than 2,000 tokens with TOO_MANY_TOKENS, whose advice (ids as variables) works', async () => {
    // Commas are not tokens: 2,500 ids are 2,500 tokens.
    const ids = Array.from({ length: 2500 }, (_, i) => `kommun:${String(i).padStart(4, '0')}`);
    const literal = await postGraphql(gateway.url, `{ areasByIds(ids: [${ids.map((id) => JSON.stringify(id)).join(', ')}]) { id } }`);
    expect(literal.status).toBe(400);
    expect(literal.body.errors?.[0]).toMatchObject({ extensions: { code: 'TOO_MANY_TOKENS', limit: 2000 } });
    expect(literal.body.errors?.[0]?.message).toContain('pass long lists (such as area ids) as variables');
    const variables = await postGraphql<{ areasByIds: unknown[] }>(gateway.url, 'query($ids: [ID!]!) { areasByIds(ids: $ids) { id } }', { ids });
    expect(variables.body.errors).toBeUndefined();
    expect(variables.body.data?.areasByIds).toHaveLength(2500);
  });

  it('cost a list of 6,000 DeSO with geometry at 606,001 and reject it with QUERY_TOO_COMPLEX and a way to stay under 100,000', async () => {
    const { status, body } = await postGraphql(gateway.url, SIX_THOUSAND_DESO);
    expect(status).toBe(200);
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX', limit: 100_000, actual: SIX_THOUSAND_DESO_COST } });
    expect(body.errors?.[0]?.message).toBe(
      `Query cost ${SIX_THOUSAND_DESO_COST} exceeds the limit 100000: request fewer areas (\`areas\` with a smaller \`first\`, paging with \`after\`) or fewer costly fields such as \`geometry\``,
    );
  });

  it('cost every DeSO of the country as children with geometry above the limit too, but not their ids', async () => {
    const withGeometry = await postGraphql(gateway.url, '{ area(id: "country:SE") { children(level: DESO) { id geometry } } }');
    expect(withGeometry.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const ids = await postGraphql<{ area: { children: unknown[] } }>(gateway.url, '{ area(id: "country:SE") { children(level: DESO) { id } } }');
    expect(ids.body.errors).toBeUndefined();
    expect(ids.body.data?.area.children).toHaveLength(6160);
  });

  it('let the 320 DeSO of Göteborg with geometry through at the cost the error message points to', async () => {
    const { body } = await postGraphql<{ areas: { nodes: { geometry: unknown }[] } }>(
      gateway.url,
      '{ areas(level: DESO, within: "kommun:1480", first: 320) { nodes { id geometry } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.areas.nodes).toHaveLength(320);
    expect((body as { extensions?: { cost?: { estimated: number } } }).extensions?.cost?.estimated).toBe(320 * 101 + 1);
  });

  it('keep introspection on for GraphiQL', async () => {
    const { body } = await postGraphql<{ __schema: { queryType: { name: string } } }>(gateway.url, getIntrospectionQuery());
    expect(body.errors).toBeUndefined();
    expect(body.data?.__schema.queryType.name).toBe('Query');
  });
});

describe('configured limits', () => {
  let relaxed: RunningGateway;
  beforeAll(async () => {
    relaxed = await startGateway(subgraphs.urls, { MAX_QUERY_COST: '700000', MAX_QUERY_DEPTH: '0', INTROSPECTION: 'false' });
  });
  afterAll(() => relaxed?.close());

  it('accept the 6,000 DeSO with geometry when MAX_QUERY_COST is above their cost', async () => {
    const { body } = await postGraphql<{ areas: { nodes: { geometry: unknown }[] } }>(relaxed.url, SIX_THOUSAND_DESO);
    expect(body.errors).toBeUndefined();
    expect(body.data?.areas.nodes).toHaveLength(6000);
    expect(body.data?.areas.nodes.some((node) => node.geometry !== null)).toBe(true);
  });

  it('turn the depth limit off with MAX_QUERY_DEPTH=0', async () => {
    expect((await postGraphql(relaxed.url, nestedParents(14))).body.errors).toBeUndefined();
  });

  it('turn introspection off with INTROSPECTION=false, as a validation error', async () => {
    const { status, body } = await postGraphql(relaxed.url, '{ __schema { queryType { name } } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toContain('introspection');
  });
});

describe('the limit settings', () => {
  it('default to depth 12, 30 aliases, 2,000 tokens and cost 100,000', () => {
    expect(loadConfig({}).gateway).toMatchObject({ maxDepth: 12, maxAliases: 30, maxTokens: 2000, maxCost: 100_000, costInExtensions: false, introspection: true });
  });

  it.each([
    ['MAX_QUERY_DEPTH', '-1'],
    ['MAX_QUERY_COST', 'lots'],
    ['QUERY_COST_IN_EXTENSIONS', 'yes'],
    ['INTROSPECTION', 'off'],
    ['PERSISTED_DOCUMENTS', 'always'],
  ])('reject %s=%s with a message naming the variable', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`^${key}=`));
  });
});
