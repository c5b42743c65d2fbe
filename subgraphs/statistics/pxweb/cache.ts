// SQLite cache of PxWeb answers, keyed by kind, id, selection, language and the table's `updated`; one WAL file, created if missing.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { coverageOf } from './selection.ts';
import type { DataRow, DecodedDataset, TableInfo } from './types.ts';

export type CacheKind = 'config' | 'tables' | 'catalogue' | 'table' | 'metadata' | 'codelist' | 'data';

export interface CacheKey {
  kind: CacheKind;
  /** Table id, codelist id, or the query of a table search. */
  id: string;
  /** Canonical selection (data), applied codelists (metadata); '' otherwise. */
  selection: string;
  language: string;
}

export interface CacheEntry<T> {
  /** The table's `updated` the entry belongs to ('' for unversioned kinds). */
  updated: string;
  fetchedAt: string;
  value: T;
}

/** A dataset as stored: rows in row-major order of complete grids carry no codes (their position gives them). */
interface PackedDataset extends Omit<DecodedDataset, 'rows'> {
  values: (number | null)[];
  statuses: Record<string, string>;
  /** Category positions per row (flattened, one per dimension), only when the rows are not a complete grid. */
  positions?: number[];
}

function isCompleteGrid(dataset: DecodedDataset): boolean {
  const sizes = dataset.dimensions.map((d) => d.values.length);
  if (dataset.rows.length !== sizes.reduce((p, n) => p * n, 1)) return false;
  const index = dataset.dimensions.map((d) => new Map(d.values.map((v, i) => [v.code, i])));
  return dataset.rows.every((row, r) => row.codes.reduce((acc, code, d) => acc * sizes[d] + (index[d].get(code) ?? -Infinity), 0) === r);
}

export function packDataset(dataset: DecodedDataset): PackedDataset {
  const { rows, ...header } = dataset;
  const statuses: Record<string, string> = {};
  rows.forEach((row, i) => {
    if (row.status !== null) statuses[i] = row.status;
  });
  const packed: PackedDataset = { ...header, values: rows.map((row) => row.value), statuses };
  if (!isCompleteGrid(dataset)) {
    const index = dataset.dimensions.map((d) => new Map(d.values.map((v, i) => [v.code, i])));
    packed.positions = rows.flatMap((row) => row.codes.map((code, d) => index[d].get(code) as number));
  }
  return packed;
}

export function unpackDataset(packed: PackedDataset): DecodedDataset {
  const { values, statuses, positions, ...header } = packed;
  const sizes = header.dimensions.map((d) => d.values.length);
  const codesAt = (r: number): string[] => {
    if (positions) return header.dimensions.map((d, i) => d.values[positions[r * sizes.length + i]].code);
    const codes = new Array<string>(sizes.length);
    for (let d = sizes.length - 1, rest = r; d >= 0; d--) {
      codes[d] = header.dimensions[d].values[rest % sizes[d]].code;
      rest = Math.floor(rest / sizes[d]);
    }
    return codes;
  };
  const rows: DataRow[] = values.map((value, r) => ({ codes: codesAt(r), value, status: statuses[r] ?? null }));
  return { ...header, rows };
}

export interface PxWebCache {
  /** The entry of exactly this version of the table ('' for unversioned kinds). */
  get<T>(key: CacheKey, updated: string): CacheEntry<T> | null;
  /** The most recently fetched entry for the key, whatever its version. */
  newest<T>(key: CacheKey): CacheEntry<T> | null;
  /** Every cached dataset of a table in a language, newest first, with the codes it holds per dimension. */
  datasets(id: string, language: string): { selection: string; updated: string; coverage: Record<string, string[]>; load(): CacheEntry<DecodedDataset> }[];
  /** Every table entry the cache knows in a language (from table lookups, searches and seeds), newest copy per id. */
  tableEntries(language: string): CacheEntry<TableInfo>[];
  put(key: CacheKey, updated: string, value: unknown, fetchedAt: string): void;
  /** Like put, but never replaces an entry (a recorded snapshot must not overwrite what was fetched since). */
  seed(key: CacheKey, updated: string, value: unknown, fetchedAt: string): void;
  close(): void;
}

interface Row {
  updated: string;
  fetched_at: string;
  body: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pxweb_cache (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  selection TEXT NOT NULL,
  language TEXT NOT NULL,
  updated TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  coverage TEXT,
  body TEXT NOT NULL,
  PRIMARY KEY (kind, id, selection, language, updated)
);
CREATE INDEX IF NOT EXISTS pxweb_cache_newest ON pxweb_cache (kind, id, language, fetched_at);
`;

export function openCache(file: string): PxWebCache {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Several processes (the subgraph, `npm run sync`) may write the same file.
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const insert = (verb: 'REPLACE' | 'IGNORE') =>
    db.prepare(
      `INSERT OR ${verb} INTO pxweb_cache (kind, id, selection, language, updated, fetched_at, coverage, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  const statements = {
    get: db.prepare('SELECT updated, fetched_at, body FROM pxweb_cache WHERE kind = ? AND id = ? AND selection = ? AND language = ? AND updated = ?'),
    newest: db.prepare(
      'SELECT updated, fetched_at, body FROM pxweb_cache WHERE kind = ? AND id = ? AND selection = ? AND language = ? ORDER BY fetched_at DESC, updated DESC LIMIT 1',
    ),
    datasets: db.prepare(
      "SELECT selection, updated, coverage FROM pxweb_cache WHERE kind = 'data' AND id = ? AND language = ? ORDER BY fetched_at DESC, updated DESC",
    ),
    tables: db.prepare(
      "SELECT updated, fetched_at, body FROM pxweb_cache WHERE kind = 'table' AND language = ? ORDER BY id, fetched_at DESC, updated DESC",
    ),
    replace: insert('REPLACE'),
    ignore: insert('IGNORE'),
  };
  const decode = <T>(kind: CacheKind, row: Row): CacheEntry<T> => {
    const body: unknown = JSON.parse(row.body);
    const value = (kind === 'data' ? unpackDataset(body as PackedDataset) : body) as T;
    return { updated: row.updated, fetchedAt: row.fetched_at, value };
  };
  const write = (statement: Database.Statement, key: CacheKey, updated: string, value: unknown, fetchedAt: string) => {
    const isData = key.kind === 'data';
    const body = isData ? packDataset(value as DecodedDataset) : value;
    const coverage = isData ? JSON.stringify(coverageOf(value as DecodedDataset)) : null;
    statement.run(key.kind, key.id, key.selection, key.language, updated, fetchedAt, coverage, JSON.stringify(body));
  };
  return {
    get<T>(key: CacheKey, updated: string) {
      const row = statements.get.get(key.kind, key.id, key.selection, key.language, updated) as Row | undefined;
      return row ? decode<T>(key.kind, row) : null;
    },
    newest<T>(key: CacheKey) {
      const row = statements.newest.get(key.kind, key.id, key.selection, key.language) as Row | undefined;
      return row ? decode<T>(key.kind, row) : null;
    },
    datasets(id, language) {
      const rows = statements.datasets.all(id, language) as { selection: string; updated: string; coverage: string }[];
      return rows.map((row) => ({
        selection: row.selection,
        updated: row.updated,
        coverage: JSON.parse(row.coverage) as Record<string, string[]>,
        load: () => {
          const full = statements.get.get('data', id, row.selection, language, row.updated) as Row;
          return decode<DecodedDataset>('data', full);
        },
      }));
    },
    tableEntries(language) {
      const newest = new Map<string, CacheEntry<TableInfo>>();
      for (const row of statements.tables.all(language) as Row[]) {
        const entry = decode<TableInfo>('table', row);
        if (!newest.has(entry.value.id)) newest.set(entry.value.id, entry);
      }
      return [...newest.values()];
    },
    put: (key, updated, value, fetchedAt) => write(statements.replace, key, updated, value, fetchedAt),
    seed: (key, updated, value, fetchedAt) => write(statements.ignore, key, updated, value, fetchedAt),
    close: () => db.close(),
  };
}
