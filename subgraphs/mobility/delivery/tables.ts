// drizzle tables of the delivery store: the deliveries and their files, the area ids they use, and the delivered cells.
import { getTableConfig, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { createTableStatements } from '../../../lib/db.ts';

/** Facts about the store itself: its format version and the last delivery number handed out. */
export const deliveryStoreMeta = sqliteTable('delivery_store_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** One imported delivery; the periods of the deliveries in a store never overlap, so a date names its delivery. */
export const delivery = sqliteTable('delivery', {
  id: integer('id').primaryKey(),
  provider: text('provider').notNull(),
  /** First and last day of the period, ISO dates, inclusive. */
  periodFrom: text('period_from').notNull(),
  periodTo: text('period_to').notNull(),
  methodVersion: text('method_version').notNull(),
  description: text('description'),
  /** ISO timestamp of the import. */
  importedAt: text('imported_at').notNull(),
  /** The k the provider protected the cells with (cells under it absent), or null when the cells are unprotected. */
  protectedByProviderK: integer('protected_by_provider_k'),
});

/** One input file of a delivery: what it was (hash, size) and what it holds (rows, levels, whether devices were given). */
export const deliveryFile = sqliteTable(
  'delivery_file',
  {
    delivery: integer('delivery').notNull(),
    /** activities, od or longTrips. */
    kind: text('kind').notNull(),
    /** The path as given to the import. */
    path: text('path').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    rows: integer('rows').notNull(),
    /** 1 when the file has a devices column. */
    devices: integer('devices').notNull(),
    separator: text('separator').notNull(),
    /** JSON: the levels (or level pairs) of the rows, with their row counts and which hours and types they have. */
    coverage: text('coverage').notNull(),
  },
  (table) => [primaryKey({ columns: [table.delivery, table.kind] })],
);

/** Area ids used by the deliveries, numbered for compact rows; the area frame is looked up by id when the store is read. */
export const areaCode = sqliteTable('area_code', { code: integer('code').primaryKey(), id: text('id').notNull() }, (table) => [uniqueIndex('area_code_id').on(table.id)]);

/** Activities: extrapolated persons and distinct devices (null when not delivered) per area, date, hour (24 = all) and type (3 = all). */
export const activity = sqliteTable(
  'activity',
  {
    area: integer('area').notNull(),
    /** The area's level (index into DELIVERY_LEVELS), so one level's rows are read without the others. */
    level: integer('level').notNull(),
    date: text('date').notNull(),
    hour: integer('hour').notNull(),
    type: integer('type').notNull(),
    persons: real('persons').notNull(),
    devices: integer('devices'),
  },
  (table) => [primaryKey({ columns: [table.date, table.area, table.hour, table.type] })],
);

/** Trips between two areas per date, start hour (24 = all) and travel mode ('' when the row is not broken down by mode). */
export const od = sqliteTable(
  'od',
  {
    origin: integer('origin').notNull(),
    destination: integer('destination').notNull(),
    originLevel: integer('o_level').notNull(),
    destinationLevel: integer('d_level').notNull(),
    date: text('date').notNull(),
    hour: integer('hour').notNull(),
    mode: text('mode').notNull(),
    trips: real('trips').notNull(),
    devices: integer('devices'),
  },
  (table) => [
    primaryKey({ columns: [table.date, table.origin, table.destination, table.hour, table.mode] }),
    index('od_destination').on(table.date, table.destination),
  ],
);

/** Long trips per origin, final destination, date and travel mode (SCB's product from 2023). */
export const longTrip = sqliteTable(
  'long_trip',
  {
    origin: integer('origin').notNull(),
    destination: integer('destination').notNull(),
    originLevel: integer('o_level').notNull(),
    destinationLevel: integer('d_level').notNull(),
    date: text('date').notNull(),
    mode: text('mode').notNull(),
    trips: real('trips').notNull(),
    devices: integer('devices'),
  },
  (table) => [
    primaryKey({ columns: [table.date, table.origin, table.destination, table.mode] }),
    index('long_trip_destination').on(table.date, table.destination),
  ],
);

/**
 * Page cache of the connections that write cells (SQLite's cache_size; negative: KiB): rows arrive in file order, and a
 * key lookup per row stays in memory up to about this size of table instead of going to disk (SQLite's default is 2 MB).
 */
export const CACHE_SIZE = -512 * 1024;

/** The table of delivered cells each file kind fills. */
export const CELL_TABLES = { activities: activity, od, longTrips: longTrip } as const;

export const tables: SQLiteTable[] = [deliveryStoreMeta, delivery, deliveryFile, areaCode, activity, od, longTrip];

/** SQL names of a table, its columns and its primary key, for statements drizzle's builder does not express (INSERT … SELECT across databases). */
export function columnNames(table: SQLiteTable): { name: string; columns: string[]; key: string[] } {
  const config = getTableConfig(table);
  return { name: config.name, columns: config.columns.map((column) => column.name), key: config.primaryKeys[0]?.columns.map((column) => column.name) ?? [] };
}

/**
 * CREATE statements of a table; the cell tables are WITHOUT ROWID, so their rows are stored in key order (date first): a
 * day's rows are one contiguous range to read, append or delete.
 */
export function tableStatements(table: SQLiteTable): string[] {
  const [create, ...indexes] = createTableStatements(table);
  return [(Object.values(CELL_TABLES) as SQLiteTable[]).includes(table) ? `${create} WITHOUT ROWID` : create, ...indexes];
}
