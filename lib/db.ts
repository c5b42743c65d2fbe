// SQLite stores built from data/: one file per subgraph, built once, atomically, and rebuilt when its inputs change.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { getTableConfig, type SQLiteTable, type IndexColumn } from 'drizzle-orm/sqlite-core';
import { is, Column } from 'drizzle-orm';
import { storeOpened } from './data-version.ts';

export type Store = BetterSQLite3Database<Record<string, never>> & { $client: Database.Database };

export interface StoreSpec {
  /** File name of the store, usually the subgraph's name. */
  name: string;
  /** Bumped when the loader changes in a way the inputs do not show. */
  loaderVersion: number;
  /** drizzle tables the store holds; their CREATE statements come from these definitions. */
  tables: SQLiteTable[];
  /** Source files (absolute paths) whose contents decide whether a built store is current. */
  inputs: string[];
  /** Settings the store is built with (e.g. a seed), part of the fingerprint like the inputs. */
  parameters?: string;
  /** Fills the empty tables; runs inside one transaction. */
  load(db: Store): void;
}

const META_TABLE = 'store_meta';

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function indexColumnName(column: IndexColumn): string {
  if (is(column, Column)) return quote(column.name);
  throw new Error('Only plain columns are supported in store indexes');
}

/** CREATE TABLE and CREATE INDEX statements derived from a drizzle table, so the schema is written once. */
export function createTableStatements(table: SQLiteTable): string[] {
  const config = getTableConfig(table);
  const compositeKey = config.primaryKeys[0];
  const columns = config.columns.map((column) => {
    const parts = [quote(column.name), column.getSQLType()];
    if (column.primary) parts.push('PRIMARY KEY');
    if (column.notNull && !column.primary) parts.push('NOT NULL');
    return parts.join(' ');
  });
  if (compositeKey) columns.push(`PRIMARY KEY (${compositeKey.columns.map((c) => quote(c.name)).join(', ')})`);
  const statements = [`CREATE TABLE ${quote(config.name)} (${columns.join(', ')})`];
  for (const index of config.indexes) {
    const { name, columns: indexColumns, unique } = index.config;
    statements.push(
      `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${quote(name)} ON ${quote(config.name)} (${indexColumns.map(indexColumnName).join(', ')})`,
    );
  }
  return statements;
}

/** Content fingerprint of a store's inputs and loader version. */
export function storeFingerprint(spec: Pick<StoreSpec, 'name' | 'loaderVersion' | 'inputs' | 'parameters'>): string {
  const hash = createHash('sha256').update(`${spec.name}\0${spec.loaderVersion}\0${spec.parameters ?? ''}\0`);
  for (const file of spec.inputs) hash.update(path.basename(file)).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

function readFingerprint(file: string): string | null {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = sqlite.prepare(`SELECT value FROM ${META_TABLE} WHERE key = 'fingerprint'`).get() as { value: string } | undefined;
    return row?.value ?? null;
  } catch {
    return null;
  } finally {
    sqlite.close();
  }
}

function build(file: string, spec: StoreSpec, fingerprint: string): void {
  // Build beside the target and rename, so a crash mid-build never leaves a half store behind.
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const sqlite = new Database(temp);
  try {
    sqlite.pragma('journal_mode = OFF');
    sqlite.pragma('synchronous = OFF');
    const db = drizzle({ client: sqlite });
    sqlite.transaction(() => {
      sqlite.exec(`CREATE TABLE ${META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      for (const table of spec.tables) for (const statement of createTableStatements(table)) sqlite.exec(statement);
      spec.load(db);
      sqlite.prepare(`INSERT INTO ${META_TABLE} (key, value) VALUES ('fingerprint', ?), ('built_at', ?)`).run(
        fingerprint,
        new Date().toISOString(),
      );
    })();
    sqlite.close();
    renameSync(temp, file);
  } catch (error) {
    if (sqlite.open) sqlite.close();
    rmSync(temp, { force: true });
    throw error;
  }
}

export interface OpenedStore {
  db: Store;
  /** True when this call built the store, false when a current one was reused. */
  built: boolean;
  file: string;
}

/** Opens a subgraph's store read-only, building it first when missing or when its inputs changed. */
export function openStore(storeDir: string, spec: StoreSpec): OpenedStore {
  mkdirSync(storeDir, { recursive: true });
  const file = path.join(storeDir, `${spec.name}.sqlite`);
  const fingerprint = storeFingerprint(spec);
  const current = existsSync(file) && readFingerprint(file) === fingerprint;
  if (!current) build(file, spec, fingerprint);
  storeOpened(fingerprint);
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  return { db: drizzle({ client: sqlite }), built: !current, file };
}
