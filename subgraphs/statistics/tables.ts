// drizzle tables of the statistics store: typed facts from the offline snapshot and sync, with their datasets.
import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Stored in place of an open upper age bound ("100+", "16 and over", all ages), so the key has no NULL. */
export const OPEN_AGE = 999;

/** One published table as shipped in data/ or fetched by sync: the provenance every fact points to. */
export const dataset = sqliteTable('dataset', {
  id: text('id').primaryKey(),
  tableId: text('table_id').notNull(),
  label: text('label').notNull(),
  publisher: text('publisher').notNull(),
  updated: text('updated').notNull(),
  licence: text('licence').notNull(),
  cellKeyNoise: integer('cell_key_noise', { mode: 'boolean' }).notNull(),
  method: text('method').notNull(),
  file: text('file').notNull(),
  shipped: integer('shipped', { mode: 'boolean' }).notNull(),
});

/** One value per area, measure, period, sex, age range and category (subgraphs/statistics/facts/types.ts). */
export const fact = sqliteTable(
  'fact',
  {
    areaId: text('area_id').notNull(),
    measure: text('measure').notNull(),
    period: text('period').notNull(),
    year: integer('year').notNull(),
    month: integer('month'),
    sex: text('sex').notNull(),
    ageFrom: integer('age_from').notNull(),
    ageTo: integer('age_to').notNull(),
    category: text('category').notNull(),
    value: real('value'),
    status: text('status'),
    dataset: text('dataset').notNull(),
  },
  (table) => [
    // Area and measure lead, so series, breakdowns and coverage read one key prefix.
    primaryKey({ columns: [table.areaId, table.measure, table.period, table.sex, table.ageFrom, table.ageTo, table.category] }),
  ],
);

/** Labels of category codes (one part of a "|"-joined category), e.g. "hyresratt" → "hyresrätt". */
export const categoryLabel = sqliteTable('category_label', {
  code: text('code').primaryKey(),
  label: text('label').notNull(),
});

export const tables = [dataset, fact, categoryLabel];
