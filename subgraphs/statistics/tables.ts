// drizzle tables of the statistics store (built from data/scb by source.ts).
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Folkmängd on 31 December per kommun and year, on today's kommun division (SCB BE0101). */
export const kommunPopulation = sqliteTable(
  'kommun_population',
  {
    // NOT NULL because SQLite lets composite primary-key columns hold NULL otherwise.
    kommunCode: text('kommun_code').notNull(),
    year: integer('year').notNull(),
    population: integer('population').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.kommunCode, table.year] }),
    // Län and country sums read one year across many kommuner; covering, so they never touch the table.
    index('kommun_population_by_year').on(table.year, table.kommunCode, table.population),
  ],
);

export const tables = [kommunPopulation];
