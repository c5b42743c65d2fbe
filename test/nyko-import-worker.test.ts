// Imports through the API run in a worker thread: the subgraph answers reads meanwhile, imports queue, failures stay coded.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { subgraphs } from '../subgraphs/index.ts';
import { newToken } from '../subgraphs/nyko/auth.ts';
import { answerOf, importInProgress, runImportInWorker } from '../subgraphs/nyko/import-runner.ts';
import { postGraphql, startStack, type Stack } from './harness.ts';

const GOTEBORG = path.join(PROJECT_ROOT, 'data/nyko/goteborg');
const goteborg = newToken('goteborg-gis', ['1480']);
const IMPORT = `mutation($input: NykoImportInput!) { importNykoVersion(input: $input) { written areaCount version { id label } } }`;
let stack: Stack;
let dir: string;
let store: string;

beforeAll(async () => {
  // Imports write: this file gets its own copy of the seeded store (Göteborg 2024).
  dir = mkdtempSync(path.join(tmpdir(), 'regiongraph-nyko-worker-'));
  store = path.join(dir, 'nyko.sqlite');
  copyFileSync(path.join(inject('storeDir'), 'nyko.sqlite'), store);
  stack = await startStack(subgraphs, { NYKO_STORE: store, NYKO_TOKENS: goteborg.entry });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Answer<T> = { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
type Imported = { importNykoVersion: { written: boolean; areaCount: number; version: { id: string; label: string } } };

async function importThroughApi(input: Record<string, unknown>): Promise<Answer<Imported>> {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${goteborg.token}` },
    body: JSON.stringify({ query: IMPORT, variables: { input } }),
  });
  return (await response.json()) as Answer<Imported>;
}

/** The first `count` basområden of Göteborg 2024 as a GeoJSON text. */
function basomraden2024(count: number): string {
  const file = JSON.parse(readFileSync(path.join(GOTEBORG, 'basomraden_2024_wgs84.geojson'), 'utf8')) as { features: unknown[] };
  return JSON.stringify({ ...file, features: file.features.slice(0, count) });
}

async function areaIds(scheme: string): Promise<string[]> {
  const result = await postGraphql<{ nykoAreas: { id: string }[] }>(stack.gatewayUrl, `{ nykoAreas(kommun: "1480", scheme: "${scheme}") { id } }`);
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.nykoAreas.map((area) => area.id);
}

/** The version labels of a scheme of Göteborg; none when the scheme does not exist. */
async function versionsOf(scheme: string): Promise<string[]> {
  const result = await postGraphql<{ nykoScheme: { versions: { label: string }[] } | null }>(stack.gatewayUrl, `{ nykoScheme(id: "1480/${scheme}") { versions { label } } }`);
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.nykoScheme?.versions.map((version) => version.label) ?? [];
}

/** Waits (polling the process's import state) until the import's worker has reported progress, i.e. is computing. */
async function untilComputing(answered: () => boolean): Promise<void> {
  while (!answered()) {
    if ((importInProgress()?.fraction ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('The import answered before its worker reported any progress');
}

describe('an import through the API runs in a worker', () => {
  it('answers reads while Göteborg’s 1012 basområden of 2021 are imported, then serves them', async () => {
    const order: string[] = [];
    const importing = importThroughApi({
      kommun: '1480',
      scheme: 'bas2021',
      label: '2021',
      validFrom: '2021-01-01',
      files: [{ fileName: 'basomraden_2021_epsg3007.geojson', content: readFileSync(path.join(GOTEBORG, 'basomraden_2021_epsg3007.geojson'), 'utf8') }],
    }).finally(() => order.push('import'));
    // The gateway, the subgraph and this test share one event loop: an import on it would hold up these reads too.
    await untilComputing(() => order.includes('import'));
    expect(importInProgress()).toMatchObject({ version: '1480/bas2021/2021', waiting: 0 });
    const [schemes, areas] = await Promise.all([
      postGraphql<{ nykoSchemes: { id: string }[] }>(stack.gatewayUrl, '{ nykoSchemes(kommun: "1480") { id } }').finally(() => order.push('schemes')),
      postGraphql<{ nykoAreas: { id: string }[] }>(stack.gatewayUrl, '{ nykoAreas(kommun: "1480", scheme: "omraden", level: "basomrade") { id } }').finally(() => order.push('areas')),
    ]);
    expect(order).toEqual(expect.arrayContaining(['schemes', 'areas']));
    expect(order).not.toContain('import');
    expect(schemes.body.data!.nykoSchemes.map((scheme) => scheme.id)).toContain('1480/omraden');
    expect(areas.body.data!.nykoAreas).toHaveLength(1016);

    const imported = await importing;
    expect(order.at(-1)).toBe('import');
    expect(imported.errors).toBeUndefined();
    expect(imported.data!.importNykoVersion).toMatchObject({ written: true, areaCount: 1012, version: { id: '1480/bas2021/2021' } });
    expect(importInProgress()).toBeNull();
    const ids = await areaIds('bas2021');
    expect(ids).toHaveLength(1012);
    expect(ids.every((id) => id.startsWith('nyko:1480/bas2021/2021/basomrade/'))).toBe(true);
  }, 60_000);

  it('runs two imports of one label one after the other: one is written, the other refused as VERSION_EXISTS', async () => {
    const input = (count: number) => ({ kommun: '1480', scheme: 'tva', label: '2025', validFrom: '2025-01-01', files: [{ fileName: `tva-${count}.geojson`, content: basomraden2024(count) }] });
    const answers = await Promise.all([importThroughApi(input(2)), importThroughApi(input(3))]);
    const written = answers.filter((answer) => answer.data?.importNykoVersion.written);
    const refused = answers.filter((answer) => answer.errors);
    expect(written).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].errors![0]).toMatchObject({ message: expect.stringContaining('already exists'), extensions: { code: 'NYKO_IMPORT_INVALID', refusal: 'VERSION_EXISTS' } });
    // Nothing lost: every area of the import that was written is there.
    expect(await areaIds('tva')).toHaveLength(written[0].data!.importNykoVersion.areaCount);
  }, 60_000);

  it('refuses a bad file with its issues, as before the worker, and saves nothing', async () => {
    const file = JSON.parse(basomraden2024(2)) as { features: { properties: Record<string, unknown> }[] };
    file.features[1].properties = { ...file.features[0].properties };
    const answer = await importThroughApi({ kommun: '1480', scheme: 'dubbel', label: '2025', validFrom: '2025-01-01', files: [{ fileName: 'dubbel.geojson', content: JSON.stringify(file) }] });
    expect(answer.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^Import rejected: \d+ errors?/), extensions: { code: 'NYKO_IMPORT_INVALID' } });
    expect(answer.errors![0].extensions!.issues).toContainEqual(expect.objectContaining({ severity: 'ERROR', code: 'DUPLICATE_CODE' }));
    const schemes = await postGraphql<{ nykoSchemes: { id: string }[] }>(stack.gatewayUrl, '{ nykoSchemes(kommun: "1480") { id } }');
    expect(schemes.body.data!.nykoSchemes.map((scheme) => scheme.id)).not.toContain('1480/dubbel');
  });
});

describe('the import runner', () => {
  const request = (label: string, extra: object = {}) => ({
    kommun: '1480',
    scheme: 'runner',
    label,
    validFrom: `${label}-01-01`,
    input: { fileName: 'runner.geojson', bytes: Buffer.from(basomraden2024(2)) },
    importedBy: 'test',
    ...extra,
  });
  const target = () => ({ file: store, dataDir: path.join(PROJECT_ROOT, 'data'), readonly: false });

  it('rejects with the worker’s error when the import throws in it, and the store keeps nothing of it', async () => {
    await expect(runImportInWorker(target(), request('2030', { failAfterRows: 1 }))).rejects.toThrow(/import of 1480\/runner\/2030 failed in its worker: Injected failure/);
    expect(await versionsOf('runner')).toEqual([]);
  });

  it('ends the worker on abort, and the queue goes on with the next import', async () => {
    const controller = new AbortController();
    // Göteborg 2021 takes seconds in the worker: the first progress comes long before it could be written.
    const big = { fileName: 'basomraden_2021_epsg3007.geojson', bytes: readFileSync(path.join(GOTEBORG, 'basomraden_2021_epsg3007.geojson')) };
    const aborted = runImportInWorker(target(), request('2031', { input: big, signal: controller.signal, onProgress: () => controller.abort(new Error('stop')) }));
    const next = runImportInWorker(target(), request('2032'));
    await expect(aborted).rejects.toThrow('stop');
    await expect(next).resolves.toMatchObject({ ok: true, written: true, version: { id: '1480/runner/2032' }, report: { areas: [] } });
    expect(await versionsOf('runner')).toEqual(['2032']);
    expect(await areaIds('runner')).toHaveLength(2);
  });

  it('rejects, never hangs, when a worker dies without answering', async () => {
    await expect(answerOf(new Worker('throw new Error("boom")', { eval: true }), 'x')).rejects.toThrow('The NYKO import worker for x crashed (boom) before answering.');
    await expect(answerOf(new Worker('process.exit(3)', { eval: true }), 'x')).rejects.toThrow('The NYKO import worker for x exited with code 3 before answering.');
  });

  it('refuses a store in memory, which a worker cannot share', async () => {
    await expect(runImportInWorker({ ...target(), file: ':memory:' }, request('2033'))).rejects.toThrow(/in memory/);
  });
});
