// Göteborg's basområden get population estimates once `npm run sync -- population-deso` has fetched DeSO figures.
// The sync runs against the fake PxWeb (TAB6574 shaped like SCB's, over Göteborg's real DeSO 2025 codes, with the
// fake's synthetic values); the estimates through the gateway must then come from exactly the figures the sync wrote.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { readCsv } from '../lib/csv.ts';
import type { countEstimateOf } from '../lib/estimate.ts';
import { subgraphByName } from '../subgraphs/index.ts';
import { startFakePxWeb, syntheticMetadata, type FakePxWeb } from './fake-pxweb.ts';
import { postGraphql, startStack, type Stack } from './harness.ts';

const run = promisify(execFile);

/** Göteborg's DeSO 2025 codes, from the shipped code list. */
const GOTEBORG_DESO = readCsv(path.join(PROJECT_ROOT, 'data/geo/deso2025_regso2025_kommun.csv'))
  .filter((row) => row.kommunkod === '1480')
  .map((row) => row.desokod);

/** One DeSO whose figure SCB's fake leaves out (status ".."), as SCB does for cells too small to publish. */
const SUPPRESSED = '1480C2280';

let fake: FakePxWeb;
let stack: Stack;
let dir: string;
let syncOutput: string;

/** The fake's TAB6574 figure for a DeSO 2025 code, all ages, both sexes, 2024. */
const figure = (code: string) =>
  fake.cell('TAB6574', { Region: `${code}_DeSO2025`, Alder: 'totalt', Kon: '1+2', ContentsCode: '000007Y7', Tid: '2024' }).value;

beforeAll(async () => {
  fake = await startFakePxWeb({ suppressed: (_table, codes) => codes.Region === `${SUPPRESSED}_DeSO2025` });
  fake.addTable(
    syntheticMetadata({
      id: 'TAB6574',
      label: 'Folkmängd efter region, ålder och kön. År 2024',
      variables: [
        { code: 'Region', label: 'region', values: ['1480', ...GOTEBORG_DESO.map((code) => `${code}_DeSO2025`)] },
        { code: 'Alder', label: 'ålder', values: ['totalt', '0-4'], elimination: true, eliminationValueCode: 'totalt' },
        { code: 'Kon', label: 'kön', values: ['1+2', '1', '2'], elimination: true, eliminationValueCode: '1+2' },
        { code: 'ContentsCode', label: 'tabellinnehåll', values: [{ code: '000007Y7', label: 'Folkmängd' }], content: true },
        { code: 'Tid', label: 'år', values: ['2024'], time: true },
      ],
    }),
  );
  dir = mkdtempSync(path.join(tmpdir(), 'regiongraph-nyko-synced-'));
  const env = { REGIONGRAPH_STORE_DIR: path.join(dir, 'var'), REGIONGRAPH_SYNC_DIR: path.join(dir, 'sync') };
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/sync.ts', 'population-deso'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, PXWEB_URL: fake.url, LOG_LEVEL: 'error' },
  });
  syncOutput = stdout;
  // The seeded NYKO store (Göteborg 2024) as the global setup built it; statistics rebuilds its store with the synced file.
  mkdirSync(env.REGIONGRAPH_STORE_DIR, { recursive: true });
  copyFileSync(path.join(inject('storeDir'), 'nyko.sqlite'), path.join(env.REGIONGRAPH_STORE_DIR, 'nyko.sqlite'));
  stack = await startStack([subgraphByName('nyko'), subgraphByName('statistics')], env);
}, 180_000);
afterAll(async () => {
  await stack?.close();
  fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A `CountEstimate` as the gateway answers it (the shape countEstimateOf gives the resolvers). */
type Estimate = ReturnType<typeof countEstimateOf>;

describe('population estimates on Göteborg’s basområden after npm run sync -- population-deso', () => {
  it('answers every basområde with an estimate from the synced DeSO figures, adding up to Göteborg’s DeSO', async () => {
    expect(GOTEBORG_DESO.length).toBeGreaterThan(300);
    expect(syncOutput).toContain('population-deso');

    const { body } = await postGraphql<{ nykoAreas: { id: string; populationEstimate: { year: number; estimate: Estimate } }[] }>(
      stack.gatewayUrl,
      `{ nykoAreas(kommun: "1480", level: "basomrade") { id populationEstimate(year: 2024) { year
           estimate { value lower upper intervalLow intervalHigh coverageExact provenance label reason missingInputs
                      parts { area { id } weight value } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    const areas = body.data!.nykoAreas;
    expect(areas).toHaveLength(1016);

    const figures = new Map(GOTEBORG_DESO.map((code) => [`deso2025:${code}`, figure(code)]));
    expect(figures.get(`deso2025:${SUPPRESSED}`)).toBeNull();
    let sum = 0;
    let withSuppressed = 0;
    for (const { id, populationEstimate } of areas) {
      const { estimate } = populationEstimate;
      expect(estimate.label, id).toBe('estimate');
      expect(['NESTED_EXACT', 'ESTIMATED_AREA']).toContain(estimate.provenance);
      // Each part's value is the DeSO's synced figure; the estimate is their weighted sum, or null if one is missing.
      for (const part of estimate.parts) expect(part.value, `${id} ${part.area.id}`).toBe(figures.get(part.area.id));
      const weighted = estimate.parts.reduce((total, part) => total + part.weight * (part.value ?? 0), 0);
      sum += weighted;
      if (estimate.parts.some((part) => part.area.id === `deso2025:${SUPPRESSED}`)) {
        withSuppressed += 1;
        expect(estimate, id).toMatchObject({ value: null, lower: null, upper: null, missingInputs: [`deso2025:${SUPPRESSED}`] });
        expect(estimate.reason).toContain(SUPPRESSED);
        continue;
      }
      expect(estimate.reason, id).toBeNull();
      expect(estimate.value!).toBeCloseTo(weighted, 6);
      expect(estimate.lower!).toBeLessThanOrEqual(estimate.intervalLow! + 1e-9);
      expect(estimate.intervalLow!).toBeLessThanOrEqual(estimate.value! + 1e-9);
      expect(estimate.value!).toBeLessThanOrEqual(estimate.intervalHigh! + 1e-9);
      expect(estimate.intervalHigh!).toBeLessThanOrEqual(estimate.upper! + 1e-9);
    }
    expect(withSuppressed).toBeGreaterThan(0);
    // Every DeSO of Göteborg is overlapped and its weights sum to 1 over the level, so nothing is lost or counted twice.
    const published = [...figures.values()].reduce<number>((total, value) => total + (value ?? 0), 0);
    expect(sum).toBeCloseTo(published, 3);
    // Basområden are finer than DeSO: nearly every one is a share of DeSO it does not contain whole, so its estimate
    // rests on the weights and says so: no exact coverage, a lower bound of what lies wholly inside (nothing), and an
    // interval of some width wherever a DeSO is split between areas.
    const shares = areas.filter(({ populationEstimate }) => populationEstimate.estimate.coverageExact === 0);
    expect(shares.length).toBeGreaterThan(900);
    for (const { id, populationEstimate: { estimate } } of shares) {
      expect(estimate, id).toMatchObject({ provenance: 'ESTIMATED_AREA', lower: 0 });
      if (estimate.parts.some((part) => part.weight < 1)) expect(estimate.intervalHigh!, id).toBeGreaterThan(estimate.intervalLow!);
    }
  });
});
