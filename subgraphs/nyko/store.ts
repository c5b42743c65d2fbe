// The durable NYKO store: one SQLite file of imports, migrated forward in place and never rebuilt, seeded with Göteborg 2024.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { PROJECT_ROOT } from '../../lib/config.ts';
import type { Store } from '../../lib/db.ts';
import { schemeKey } from './ids.ts';
import type { NykoLayerInput } from './import/index.ts';
import { importVersion, type ImportProgress, type ImportVersionResult } from './versions.ts';

export interface NykoStore {
  file: string;
  /** The data folder the embedded default, the kommun outlines and the DeSO/RegSO geometry are read from. */
  dataDir: string;
  sqlite: Database.Database;
  db: Store;
  readonly: boolean;
  close(): void;
}

/** One forward step of the store's schema. Applied steps are never edited: a change is a new step. */
export interface Migration {
  version: number;
  description: string;
  up(sqlite: Database.Database): void;
}

const BOOTSTRAP = 'CREATE TABLE IF NOT EXISTS "schema_version" ("version" integer PRIMARY KEY, "description" text NOT NULL, "applied_at" text NOT NULL)';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'schemes, versions, areas, lineage, correspondence and target coverage',
    up(sqlite) {
      sqlite.exec(`
        CREATE TABLE "scheme" ("id" text PRIMARY KEY, "kommun" text NOT NULL, "slug" text NOT NULL, "name" text NOT NULL, "levels" text NOT NULL, "created_at" text NOT NULL);
        CREATE TABLE "version" ("id" text PRIMARY KEY, "scheme" text NOT NULL, "label" text NOT NULL, "valid_from" text NOT NULL, "valid_to" text, "imported_at" text NOT NULL, "imported_by" text NOT NULL, "sources" text NOT NULL, "source_crs" text, "feature_count" integer NOT NULL, "area_count" integer NOT NULL, "levels" text NOT NULL, "stats" text NOT NULL, "warnings" text NOT NULL);
        CREATE UNIQUE INDEX "version_scheme_label" ON "version" ("scheme", "label");
        CREATE UNIQUE INDEX "version_scheme_valid_from" ON "version" ("scheme", "valid_from");
        CREATE TABLE "area" ("id" text PRIMARY KEY, "version" text NOT NULL, "level" integer NOT NULL, "level_slug" text NOT NULL, "level_name" text NOT NULL, "code" text NOT NULL, "name" text, "parent_code" text, "parent_id" text NOT NULL, "geometry" text, "area_m2" real, "min_lon" real, "min_lat" real, "max_lon" real, "max_lat" real, "point_lon" real, "point_lat" real, "properties" text NOT NULL, "source_file" text, "feature" integer);
        CREATE INDEX "area_version_level" ON "area" ("version", "level_slug", "code");
        CREATE INDEX "area_parent" ON "area" ("parent_id");
        CREATE TABLE "lineage" ("from_version" text NOT NULL, "to_version" text NOT NULL, "level_slug" text NOT NULL, "from_code" text, "to_code" text, "from_id" text, "to_id" text, "relation" text NOT NULL, "share_of_from" real, "share_of_to" real, "overlap_m2" real, "iou" real, "area_delta_m2" real);
        CREATE INDEX "lineage_from" ON "lineage" ("from_id");
        CREATE INDEX "lineage_to" ON "lineage" ("to_id");
        CREATE INDEX "lineage_versions" ON "lineage" ("from_version", "to_version", "level_slug");
        CREATE TABLE "correspondence" ("version" text NOT NULL, "level_slug" text NOT NULL, "nyko_id" text NOT NULL, "nyko_code" text NOT NULL, "target_kind" text NOT NULL, "target_vintage" integer NOT NULL, "target_code" text NOT NULL, "target_id" text NOT NULL, "overlap_m2" real NOT NULL, "area_share_of_target" real NOT NULL, "area_share_of_nyko" real NOT NULL, "area_weight" real NOT NULL, "pop_share_of_target" real, "pop_share_of_nyko" real, "population" real, "weight_layer" text, "weight_year" integer);
        CREATE INDEX "correspondence_nyko" ON "correspondence" ("nyko_id", "target_kind", "target_vintage");
        CREATE INDEX "correspondence_target" ON "correspondence" ("target_id", "version", "level_slug");
        CREATE TABLE "target_coverage" ("version" text NOT NULL, "level_slug" text NOT NULL, "target_kind" text NOT NULL, "target_vintage" integer NOT NULL, "target_code" text NOT NULL, "target_id" text NOT NULL, "area_m2" real NOT NULL, "covered_m2" real NOT NULL, "coverage" real NOT NULL, "population" real, "population_coverage" real);
        CREATE INDEX "target_coverage_version" ON "target_coverage" ("version", "level_slug", "target_kind", "target_vintage");
      `);
    },
  },
];

/** The schema version this code reads and writes. */
export const STORE_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The version shipped with the store: Göteborg's four layers of 2024 (data/nyko/SOURCES.md). */
export const EMBEDDED_DEFAULT = {
  kommun: '1480',
  scheme: 'omraden',
  schemeName: 'Göteborgs Stads områdesindelning',
  label: '2024',
  validFrom: '2024-01-01',
  layers: [
    { level: 'stadsområde', file: 'nyko/goteborg/stadsomraden_2024_wgs84.geojson' },
    { level: 'mellanområde', file: 'nyko/goteborg/mellanomraden_2024_wgs84.geojson' },
    { level: 'primärområde', file: 'nyko/goteborg/primaromraden_2024_wgs84.geojson' },
    { level: 'basområde', file: 'nyko/goteborg/basomraden_2024_wgs84.geojson' },
  ],
} as const;

export class NykoStoreError extends Error {}

function currentVersion(sqlite: Database.Database): number {
  const hasTable = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!hasTable) return 0;
  return (sqlite.prepare('SELECT max(version) AS version FROM schema_version').get() as { version: number | null }).version ?? 0;
}

/** Refuses a file that is not a NYKO store, or one written by newer code. */
function checkStore(sqlite: Database.Database, file: string, migrations: readonly Migration[]): number {
  const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  if (tables.length > 0 && !tables.includes('schema_version')) {
    throw new NykoStoreError(`${file} is a SQLite file but not a NYKO store (it has no schema_version table); give another store path, or move the file away.`);
  }
  const version = currentVersion(sqlite);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (version > latest) {
    throw new NykoStoreError(`${file} has schema version ${version}, newer than this code (${latest}); run the newer regiongraph, or open a copy made before it was upgraded.`);
  }
  return version;
}

/**
 * Applies the migrations the store has not had, each in its own immediate transaction (so two processes opening a
 * new store at once migrate it once). Returns the versions before and after.
 */
export function migrate(sqlite: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = checkStore(sqlite, file, migrations);
  for (const migration of migrations) {
    sqlite
      .transaction(() => {
        sqlite.exec(BOOTSTRAP);
        if (currentVersion(sqlite) >= migration.version) return;
        migration.up(sqlite);
        sqlite.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.description, new Date().toISOString());
      })
      .immediate();
  }
  return { from, to: currentVersion(sqlite) };
}

export interface OpenNykoStoreOptions {
  /** Default: the project's data/. */
  dataDir?: string;
  /** Seed the embedded default when its scheme has no version yet (default true; never in read-only mode). */
  seed?: boolean;
  /** Open an existing store without writing anything, not even a migration. */
  readonly?: boolean;
  /** For tests of the migration runner. */
  migrations?: readonly Migration[];
  onSeedProgress?: (progress: ImportProgress) => void;
}

/**
 * Opens (creating when missing) the store at `file`, migrates it forward and, on first open, seeds the embedded
 * default. The file is never deleted or rebuilt: it holds imports that exist nowhere else. ':memory:' works too.
 */
export function openNykoStore(file: string, options: OpenNykoStoreOptions = {}): NykoStore {
  const dataDir = options.dataDir ?? path.join(PROJECT_ROOT, 'data');
  const migrations = options.migrations ?? MIGRATIONS;
  const readonly = options.readonly === true;
  if (!readonly && file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, readonly ? { readonly: true, fileMustExist: true } : {});
  } catch (error) {
    throw new NykoStoreError(`Cannot open the NYKO store ${file}: ${(error as Error).message}`);
  }
  const store: NykoStore = { file, dataDir, sqlite, db: drizzle({ client: sqlite }) as Store, readonly, close: () => sqlite.close() };
  try {
    sqlite.pragma('busy_timeout = 10000');
    if (readonly) {
      const version = checkStore(sqlite, file, migrations);
      const latest = migrations[migrations.length - 1]?.version ?? 0;
      if (version < latest) throw new NykoStoreError(`${file} has schema version ${version}, this code needs ${latest}; open it once read-write (any import does) to migrate it.`);
      return store;
    }
    // WAL lets the subgraph read while an import writes; FULL sync because an import, once reported, must survive a power cut.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    migrate(sqlite, file, migrations);
    if (options.seed !== false) seedEmbeddedDefault(store, options.onSeedProgress);
    return store;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** Imports the embedded default unless its scheme already has a version; null when nothing was done. */
export function seedEmbeddedDefault(store: NykoStore, onProgress?: (progress: ImportProgress) => void): ImportVersionResult | null {
  const seeded = store.sqlite.prepare('SELECT 1 FROM version WHERE scheme = ? LIMIT 1').get(schemeKey(EMBEDDED_DEFAULT.kommun, EMBEDDED_DEFAULT.scheme));
  if (seeded) return null;
  const layers: NykoLayerInput[] = EMBEDDED_DEFAULT.layers.map((layer) => {
    const file = path.join(store.dataDir, layer.file);
    return { level: layer.level, input: { fileName: path.basename(file), bytes: readFileSync(file) } };
  });
  const result = importVersion(store, { ...EMBEDDED_DEFAULT, layers, importedBy: 'embedded', onProgress });
  // Another process seeding at the same moment is as good as seeding here.
  if (result.ok || result.refusal?.code === 'VERSION_EXISTS' || result.refusal?.code === 'STORE_CHANGED') return result;
  const problems = result.refusal ? [result.refusal.message] : (result.report?.issues.filter((i) => i.severity === 'error').map((i) => i.message) ?? []);
  throw new NykoStoreError(`The embedded default (Göteborg 2024) could not be imported: ${problems.slice(0, 5).join('; ')}`);
}
