// Mobility through the gateway: every DeSO of a kommun with population, day and night population and top destinations; the flow matrix.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS_DIR } from '../gateway/config.ts';
import { subgraphs } from '../subgraphs/index.ts';
import { postGraphql, startStack, type Stack } from './harness.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(subgraphs);
});
afterAll(() => stack?.close());

const operation = (name: string) => readFileSync(path.join(OPERATIONS_DIR, `${name}.graphql`), 'utf8');

interface Protected {
  value: number | null;
  suppressed: boolean;
}

describe('mobility through the gateway', () => {
  it('gives every DeSO of Falun its population, day and night population and top destinations, with disclosure, in one query', async () => {
    const { body } = await postGraphql<{
      area: {
        children: {
          id: string;
          population: { value: number } | null;
          mobility: {
            residents: number;
            dayNightPopulation: { night: Protected; day: Protected; disclosure: { method: string; k: number; suppressedCells: number } };
            topDestinations: { flows: { area: { id: string }; trips: number | null }[] };
            source: { synthetic: boolean; methodVersion: string };
          } | null;
        }[];
      };
    }>(stack.gatewayUrl, operation('DesoDayNight'));
    expect(body.errors).toBeUndefined();
    const deso = body.data!.area.children;
    expect(deso).toHaveLength(37);
    // Every DeSO 2025 of Falun whose code exists in 2018 has mobility; all have SCB's 2025 population.
    const covered = deso.filter((d) => d.mobility !== null);
    expect(covered.length).toBeGreaterThan(30);
    expect(deso.every((d) => (d.population?.value ?? 0) > 0)).toBe(true);
    for (const d of covered) {
      const { night, day, disclosure } = d.mobility!.dayNightPopulation;
      expect(disclosure).toMatchObject({ method: 'DELETE', k: 5 });
      expect(disclosure.suppressedCells).toBe([night, day].filter((v) => v.suppressed).length);
      for (const value of [night, day]) expect(value.suppressed ? value.value === null : value.value! >= 0).toBe(true);
      expect(d.mobility!.source).toEqual({ synthetic: true, methodVersion: expect.any(String) });
    }
    // Night population is close to the residents where it is published: extrapolation is to residents.
    const published = covered.filter((d) => !d.mobility!.dayNightPopulation.night.suppressed);
    expect(published.length).toBeGreaterThan(covered.length / 2);
  });

  it('reproduces SCB’s November 2022 split for Stor-Stockholm: about 20 % within the RegSO, 76 % within the region, 4 % leaving', async () => {
    const { body } = await postGraphql<{
      mobilityFlowMatrix: { groups: string[]; split: { sameArea: number; otherAreaInRegion: number; outsideRegion: number }; cells: { from: string; to: string; trips: number }[] };
    }>(stack.gatewayUrl, operation('StockholmFlowMatrix'));
    expect(body.errors).toBeUndefined();
    const { split, groups } = body.data!.mobilityFlowMatrix;
    expect(split.sameArea).toBeGreaterThan(0.17);
    expect(split.sameArea).toBeLessThan(0.23);
    expect(split.otherAreaInRegion).toBeGreaterThan(0.73);
    expect(split.otherAreaInRegion).toBeLessThan(0.79);
    expect(split.outsideRegion).toBeGreaterThan(0.01);
    expect(split.outsideRegion).toBeLessThan(0.07);
    expect(groups).toEqual(['1', '2', '3', '4', '5', 'OUTSIDE']);
  });

  it('exports a region’s flows in flowmap.gl’s shape', async () => {
    const { body } = await postGraphql<{ mobilityFlowmap: { locations: { id: string; lat: number; lon: number }[]; flows: { origin: string; dest: string; count: number }[] } }>(
      stack.gatewayUrl,
      '{ mobilityFlowmap(region: { metro: GOTEBORG }, level: KOMMUN) { locations { id lat lon } flows { origin dest count } } }',
    );
    expect(body.errors).toBeUndefined();
    const { locations, flows } = body.data!.mobilityFlowmap;
    const ids = new Set(locations.map((l) => l.id));
    expect(ids.has('kommun:1480')).toBe(true);
    expect(flows.every((f) => ids.has(f.origin) && ids.has(f.dest) && f.count > 0)).toBe(true);
    expect(locations.every((l) => l.lat > 55 && l.lat < 70 && l.lon > 10 && l.lon < 25)).toBe(true);
  });

  it('refuses a date outside the data set and a region given twice, naming what is expected', async () => {
    const date = await postGraphql(stack.gatewayUrl, '{ area(id: "kommun:0180") { mobility(date: "2023-01-01") { residents } } }');
    expect(date.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(date.body.errors?.[0].message).toContain('2022-11-15');
    const region = await postGraphql(stack.gatewayUrl, '{ mobilityFlowMatrix(region: { metro: MALMO, area: "lan:12" }) { groups } }');
    expect(region.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
