// The delivery store: one SQLite file of imported deliveries; reading its records, and writing a delivery in one transaction.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FileKind } from './format.ts';
import { CACHE_SIZE, CELL_TABLES, columnNames, tables, tableStatements } from './tables.ts';
import type { CoverageEntry, Period, Staging, StagedFile } from './validate.ts';

/** Bumped when the store's tables change; a store of another format is refused with a message saying what to do. */
export const STORE_FORMAT = '1';

export interface DeliveryFileRecord {
  kind: FileKind;
  path: string;
  bytes: number;
  sha256: string;
  rows: number;
  devices: boolean;
  separator: string;
  coverage: CoverageEntry[];
}

export interface DeliveryRecord {
  id: number;
  provider: string;
  periodFrom: string;
  periodTo: string;
  methodVersion: string;
  description: string | null;
  importedAt: string;
  protectedByProviderK: number | null;
  files: DeliveryFileRecord[];
}

export interface DeliveryDescription {
  provider: string;
  /** First and last day, ISO dates, inclusive. */
  from: string;
  to: string;
  methodVersion: string;
  description?: string;
  /** The k the provider already protected the cells with (cells under it are absent from the files). */
  protectedByProviderK?: number;
}

/** Throws unless the file is a delivery store of this format. */
export function checkFormat(db: Database.Database, file: string): void {
  let format: string | undefined;
  try {
    format = (db.prepare("SELECT value FROM delivery_store_meta WHERE key = 'format'").pluck().get() as string | undefined);
  } catch {
    format = undefined;
  }
  if (format === undefined) throw new Error(`${file} is not a mobility delivery store (no delivery_store_meta); give another --store path, or move the file away`);
  if (format !== STORE_FORMAT) {
    throw new Error(`${file} is a delivery store of format ${format}, this code reads format ${STORE_FORMAT}; re-import the deliveries into a new store`);
  }
}

/**
 * Opens an existing store to read its records, or returns null when there is none. Read-write although it only reads:
 * closing it then removes the WAL's side files, which a read-only connection would leave behind.
 */
export function openExisting(file: string): Database.Database | null {
  if (!existsSync(file)) return null;
  const db = new Database(file, { fileMustExist: true });
  try {
    checkFormat(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export function readDeliveries(db: Database.Database): DeliveryRecord[] {
  const files = db.prepare('SELECT * FROM delivery_file ORDER BY delivery, kind').all() as {
    delivery: number; kind: FileKind; path: string; bytes: number; sha256: string; rows: number; devices: number; separator: string; coverage: string;
  }[];
  const rows = db.prepare('SELECT * FROM delivery ORDER BY period_from').all() as {
    id: number; provider: string; period_from: string; period_to: string; method_version: string; description: string | null; imported_at: string;
    protected_by_provider_k: number | null;
  }[];
  return rows.map((row) => ({
    id: row.id,
    provider: row.provider,
    periodFrom: row.period_from,
    periodTo: row.period_to,
    methodVersion: row.method_version,
    description: row.description,
    importedAt: row.imported_at,
    protectedByProviderK: row.protected_by_provider_k,
    files: files
      .filter((file) => file.delivery === row.id)
      .map((file) => ({
        kind: file.kind, path: file.path, bytes: file.bytes, sha256: file.sha256, rows: file.rows, devices: file.devices === 1, separator: file.separator,
        coverage: JSON.parse(file.coverage) as CoverageEntry[],
      })),
  }));
}

/** Area id → code of the store's dictionary, and its largest code. */
export function readAreaCodes(db: Database.Database): { codes: Map<string, number>; max: number } {
  const rows = db.prepare('SELECT code, id FROM area_code').all() as { code: number; id: string }[];
  return { codes: new Map(rows.map((row) => [row.id, row.code])), max: rows.reduce((max, row) => Math.max(max, row.code), 0) };
}

export function overlapping(deliveries: readonly DeliveryRecord[], period: Period): DeliveryRecord[] {
  return deliveries.filter((delivery) => delivery.periodFrom <= period.to && delivery.periodTo >= period.from);
}

export const describeDelivery = (delivery: DeliveryRecord) =>
  `#${delivery.id} (${delivery.provider} ${delivery.periodFrom} to ${delivery.periodTo}, ${delivery.methodVersion}, imported ${delivery.importedAt})`;

export interface WritePlan {
  delivery: DeliveryDescription;
  files: StagedFile[];
  staging: Staging;
  /** The deliveries the new one replaces (those its period overlaps), as read before validation. */
  replace: readonly DeliveryRecord[];
  /** The store's largest area code when read; the numbering of new ids continues from it. */
  knownMaxCode: number;
}

export interface WriteHooks {
  /** Rows copied per statement (default 100,000); each chunk is followed by afterChunk. */
  chunkRows?: number;
  /** Called after each chunk with the rows written so far and in all (progress; tests throw here to interrupt a write). */
  afterChunk?(written: number, total: number): void;
}

/**
 * Writes a validated delivery into the store in one transaction: the replaced deliveries' rows removed, the new rows
 * copied from the staging file, the delivery recorded. Any failure rolls everything back; a store this call created is
 * removed again. The store is in WAL mode, so its file is untouched until a commit and readers go on reading meanwhile.
 */
export function writeDelivery(file: string, plan: WritePlan, hooks: WriteHooks = {}): number {
  const created = !existsSync(file);
  mkdirSync(path.dirname(file), { recursive: true });
  plan.staging.db.close();
  const db = new Database(file);
  try {
    if (created) db.pragma('journal_mode = WAL');
    db.pragma(`cache_size = ${CACHE_SIZE}`);
    db.prepare('ATTACH DATABASE ? AS staging').run(plan.staging.file);
    const id = db.transaction(() => {
      if (created) {
        for (const table of tables) for (const statement of tableStatements(table)) db.exec(statement);
        db.prepare("INSERT INTO delivery_store_meta (key, value) VALUES ('format', ?), ('lastDelivery', '0')").run(STORE_FORMAT);
      } else checkFormat(db, file);
      checkUnchanged(db, plan);
      for (const replaced of plan.replace) removeDelivery(db, replaced);
      db.exec('INSERT INTO main.area_code (code, id) SELECT code, id FROM staging.area_code');
      copyRows(db, plan.files, hooks);
      if (plan.replace.length > 0) pruneAreaCodes(db);
      return recordDelivery(db, plan);
    }).immediate();
    db.exec('DETACH DATABASE staging');
    return id;
  } catch (error) {
    db.close();
    if (created) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
    throw error;
  } finally {
    if (db.open) db.close();
  }
}

/** Another import may have written between validation and this transaction: then the plan is stale. */
function checkUnchanged(db: Database.Database, plan: WritePlan): void {
  const period = { from: plan.delivery.from, to: plan.delivery.to };
  const now = overlapping(readDeliveries(db), period).map((delivery) => delivery.id).sort().join(',');
  const planned = plan.replace.map((delivery) => delivery.id).sort().join(',');
  const { max } = readAreaCodes(db);
  if (now !== planned || max !== plan.knownMaxCode) {
    throw new Error('the store changed while the delivery was validated (another import?); nothing was written: run the import again');
  }
}

function removeDelivery(db: Database.Database, delivery: DeliveryRecord): void {
  // Periods never overlap, so a delivery's rows are exactly those dated in its period.
  for (const table of Object.values(CELL_TABLES)) {
    db.prepare(`DELETE FROM main.${columnNames(table).name} WHERE date BETWEEN ? AND ?`).run(delivery.periodFrom, delivery.periodTo);
  }
  db.prepare('DELETE FROM main.delivery_file WHERE delivery = ?').run(delivery.id);
  db.prepare('DELETE FROM main.delivery WHERE id = ?').run(delivery.id);
}

/**
 * Copies the staged rows in key order (date, then the first area), in chunks of whole (date, area) groups of about
 * chunkRows rows: appending in key order keeps the store's B-tree writes sequential.
 */
function copyRows(db: Database.Database, files: readonly StagedFile[], hooks: WriteHooks): void {
  const chunkRows = hooks.chunkRows ?? 100_000;
  const total = files.reduce((sum, file) => sum + file.rows, 0);
  let written = 0;
  for (const file of files) {
    const { name, columns, key } = columnNames(CELL_TABLES[file.kind]);
    const [, area] = key;
    const list = columns.join(', ');
    const copy = db.prepare(`INSERT INTO main.${name} (${list}) SELECT ${list} FROM staging.${name} WHERE date = ? AND ${area} BETWEEN ? AND ? ORDER BY ${key.join(', ')}`);
    const chunks: { date: string; from: number; to: number }[] = [];
    let rows = 0;
    for (const group of db.prepare(`SELECT date, ${area} AS area, count(*) AS rows FROM staging.${name} GROUP BY date, ${area} ORDER BY date, ${area}`).iterate() as IterableIterator<{ date: string; area: number; rows: number }>) {
      const last = chunks.at(-1);
      if (last && last.date === group.date && rows < chunkRows) last.to = group.area;
      else {
        chunks.push({ date: group.date, from: group.area, to: group.area });
        rows = 0;
      }
      rows += group.rows;
    }
    for (const chunk of chunks) {
      written += copy.run(chunk.date, chunk.from, chunk.to).changes;
      hooks.afterChunk?.(written, total);
    }
  }
}

/** Drops area ids no row uses any more (a replaced delivery's grid squares), so they are not served as areas. */
function pruneAreaCodes(db: Database.Database): void {
  db.exec(`DELETE FROM main.area_code WHERE
    NOT EXISTS (SELECT 1 FROM main.activity WHERE area = code) AND
    NOT EXISTS (SELECT 1 FROM main.od WHERE origin = code) AND NOT EXISTS (SELECT 1 FROM main.od WHERE destination = code) AND
    NOT EXISTS (SELECT 1 FROM main.long_trip WHERE origin = code) AND NOT EXISTS (SELECT 1 FROM main.long_trip WHERE destination = code)`);
}

function recordDelivery(db: Database.Database, plan: WritePlan): number {
  const id = Number(db.prepare("SELECT value FROM main.delivery_store_meta WHERE key = 'lastDelivery'").pluck().get()) + 1;
  const { delivery } = plan;
  db.prepare(`INSERT INTO main.delivery (id, provider, period_from, period_to, method_version, description, imported_at, protected_by_provider_k)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(id, delivery.provider, delivery.from, delivery.to, delivery.methodVersion, delivery.description ?? null, new Date().toISOString(), delivery.protectedByProviderK ?? null);
  const insertFile = db.prepare(`INSERT INTO main.delivery_file (delivery, kind, path, bytes, sha256, rows, devices, separator, coverage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const file of plan.files) {
    insertFile.run(id, file.kind, file.path, file.digest.bytes, file.digest.sha256, file.rows, file.devices ? 1 : 0, file.separator, JSON.stringify(file.coverage));
  }
  db.prepare("UPDATE main.delivery_store_meta SET value = ? WHERE key = 'lastDelivery'").run(String(id));
  return id;
}
