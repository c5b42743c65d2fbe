// drizzle tables of the mobility store: the area frame, unprotected hourly presence per area, and trips per device.
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Every area the aggregates exist for, at every level: DeSO 2018, RegSO 2020, kommun, län, the country, 1 km grid squares. */
export const mobilityArea = sqliteTable('mobility_area', {
  /** Dense index, DeSO first (equal to the frame index), then RegSO, kommun, län, country, grid squares. */
  idx: integer('idx').primaryKey(),
  id: text('id').notNull(),
  level: text('level').notNull(),
  /** Områdestyp 2022 (DeSO and RegSO); null above. */
  omradestyp: integer('omradestyp'),
  residents: integer('residents').notNull(),
  /** Resident-weighted position, WGS84. */
  lon: real('lon').notNull(),
  lat: real('lat').notNull(),
  /** Indexes of the RegSO, kommun and län the area lies in (itself at its own level; null above it). */
  regso: integer('regso'),
  kommun: integer('kommun'),
  lan: integer('lan'),
});

/** Distinct devices and extrapolated persons with an activity per area, day, local hour (24 = the whole day) and type (3 = any). */
export const presence = sqliteTable(
  'presence',
  {
    area: integer('area').notNull(),
    date: text('date').notNull(),
    hour: integer('hour').notNull(),
    type: integer('type').notNull(),
    devices: integer('devices').notNull(),
    persons: real('persons').notNull(),
  },
  (table) => [primaryKey({ columns: [table.area, table.date, table.hour, table.type] })],
);

/** Both ends of a trip or journey at every level, with the DeSO's områdestyp and the grid square of its cell. */
function ends() {
  return {
    originDeso: integer('o_deso').notNull(),
    originRegso: integer('o_regso').notNull(),
    originKommun: integer('o_kommun').notNull(),
    originLan: integer('o_lan').notNull(),
    originType: integer('o_type').notNull(),
    originGrid: integer('o_grid').notNull(),
    destinationDeso: integer('d_deso').notNull(),
    destinationRegso: integer('d_regso').notNull(),
    destinationKommun: integer('d_kommun').notNull(),
    destinationLan: integer('d_lan').notNull(),
    destinationType: integer('d_type').notNull(),
    destinationGrid: integer('d_grid').notNull(),
  };
}

/** One detected trip: its device (for distinct-device counts), day, local start hour, weight, and both ends at every level. */
export const trip = sqliteTable(
  'trip',
  {
    device: integer('device').notNull(),
    date: text('date').notNull(),
    hour: integer('hour').notNull(),
    distance: real('distance').notNull(),
    /** The device's extrapolation weight: residents of its home DeSO per device living there. */
    weight: real('weight').notNull(),
    ...ends(),
  },
  (table) => [
    // One index per end and level: every per-area query filters on exactly one of them.
    index('trip_o_deso').on(table.originDeso, table.date),
    index('trip_o_regso').on(table.originRegso, table.date),
    index('trip_o_kommun').on(table.originKommun, table.date),
    index('trip_o_lan').on(table.originLan, table.date),
    index('trip_o_grid').on(table.originGrid, table.date),
    index('trip_d_deso').on(table.destinationDeso, table.date),
    index('trip_d_regso').on(table.destinationRegso, table.date),
    index('trip_d_kommun').on(table.destinationKommun, table.date),
    index('trip_d_lan').on(table.destinationLan, table.date),
    index('trip_d_grid').on(table.destinationGrid, table.date),
  ],
);

/**
 * One long journey (at least 100 km, trips chained through short en-route stops): its first origin and final
 * destination at every level, legs and inferred travel mode (index into TRAVEL_MODES). Few rows: no indexes.
 */
export const longTrip = sqliteTable('long_trip', {
  device: integer('device').notNull(),
  date: text('date').notNull(),
  hour: integer('hour').notNull(),
  distance: real('distance').notNull(),
  weight: real('weight').notNull(),
  legs: integer('legs').notNull(),
  mode: integer('mode').notNull(),
  ...ends(),
});

/** Facts about the data set: seed, sample share, dates, method version, pipeline figures. */
export const datasetMeta = sqliteTable('mobility_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const tables = [mobilityArea, presence, trip, longTrip, datasetMeta];
