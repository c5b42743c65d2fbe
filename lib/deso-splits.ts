// Which DeSO 2018 SCB split in the 2025 revision, from the two code lists: a split DeSO X…0 became X…1, X…2 (up to 4).
import path from 'node:path';
import { readCsv } from './csv.ts';

const DESO_CODE = /^\d{4}[ABC]\d{4}$/;

/** The code lists behind the splits, in the project's data/geo (shipped with attribution; see data/SOURCES.md). */
export const DESO_KEY_FILES = { deso2018: 'scb_deso2018_regso2020_key.csv', deso2025: 'deso2025_regso2025_kommun.csv' } as const;

/**
 * DeSO 2018 code → its DeSO 2025 parts, for every 2018 code that no longer exists whose code with a last digit 1–9
 * does (SCB's coding of a split). DeSO that SCB re-coded otherwise (a handful, e.g. in 0586) are not guessed.
 */
export function desoSplitsFromCodes(deso2018: Iterable<string>, deso2025: Iterable<string>): Map<string, string[]> {
  const old = new Set(deso2018);
  const current = new Set(deso2025);
  const splits = new Map<string, string[]>();
  for (const code of [...current].sort()) {
    if (old.has(code) || code.endsWith('0')) continue;
    const parent = `${code.slice(0, -1)}0`;
    if (!old.has(parent) || current.has(parent)) continue;
    splits.set(parent, [...(splits.get(parent) ?? []), code]);
  }
  return splits;
}

const cache = new Map<string, Map<string, string[]>>();

/** desoSplitsFromCodes over the shipped code lists in `<dataDir>/geo`, read once per data directory. */
export function desoSplits(dataDir: string): ReadonlyMap<string, readonly string[]> {
  let splits = cache.get(dataDir);
  if (!splits) {
    const codes = (file: string, column: string) =>
      readCsv(path.join(dataDir, 'geo', file)).map((row) => row[column]?.trim()).filter((code): code is string => DESO_CODE.test(code ?? ''));
    splits = desoSplitsFromCodes(codes(DESO_KEY_FILES.deso2018, 'DeSO_2018'), codes(DESO_KEY_FILES.deso2025, 'desokod'));
    cache.set(dataDir, splits);
  }
  return splits;
}
