// Resolvers of SCB's catalogue and generic table access: search, subject tree, codelists, metadata and tidy data rows.
import type { GraphQLError } from 'graphql';
import { badUserInput } from '../../lib/errors.ts';
import { subjectTree, tableInfoFromMetadata } from './pxweb/catalogue.ts';
import type {
  DecodedDataset, Freshness, Selection, SubjectNode, TableInfo, TableMetadata, TableVariable, VariableValue,
} from './pxweb/types.ts';
import { valueStatus } from './facts/present.ts';
import { areaIdForScbRegion } from './region-codes.ts';
import type { StatisticsContext } from './resolvers.ts';

const MAX_PAGE_SIZE = 1000;
const MAX_ROWS = 150_000;
const MAX_VALUES = 20_000;
// A v2 id ("TAB638") or a v1 folder path ("BE/BE0101/BE0101A/BefolkningNy").
const TABLE_ID = /^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*$/;
const SCB_LICENCE = 'CC0 1.0';

/** A table as the resolvers pass it on: its id, and its catalogue entry when the parent already had it. */
interface TableRef {
  id: string;
  info: TableInfo | null;
}

interface TableDataRef {
  dataset: DecodedDataset;
  freshness: Freshness;
  calls: number;
  labels: Map<string, string>[];
  contentIndex: number;
}

interface SelectionInput {
  variable: string;
  values: string[];
  codelist?: string | null;
}

const isRegionVariable = (code: string) => code.toLowerCase() === 'region';

function withOffline(freshness: Freshness, context: StatisticsContext) {
  return { ...freshness, offline: context.source.mode === 'offline' };
}

/** True for SCB's "no such table/codelist" (404), which the schema answers with null. */
function isNotFound(error: unknown): boolean {
  const extensions = (error as GraphQLError | undefined)?.extensions;
  return extensions?.code === 'UPSTREAM_REJECTED' && (extensions.upstream as { status?: number } | undefined)?.status === 404;
}

function checkTableId(id: string): void {
  if (!TABLE_ID.test(id)) {
    throw badUserInput(`"${id}" is not a table id: expected a PxWebApi 2.0 id like "TAB638" or a v1 path like "BE/BE0101/BE0101A/BefolkningNy"`, {
      argumentName: 'id',
    });
  }
}

function checkRange(value: number, min: number, max: number, argumentName: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput(`${argumentName} ${value} is out of range: expected a whole number from ${min} to ${max}`, { argumentName });
  }
}

async function tableInfo(table: TableRef, context: StatisticsContext): Promise<TableInfo> {
  if (table.info) return table.info;
  return (await context.loaders.table.load(table.id)) ?? tableInfoFromMetadata((await context.loaders.metadata.load(table.id)).value);
}

/** Tables in a subject and all its sub-subjects, each counted once. */
function tablesUnder(node: SubjectNode, into = new Set<string>()): Set<string> {
  for (const id of node.tableIds) into.add(id);
  for (const child of node.children) tablesUnder(child, into);
  return into;
}

function subjectOf(node: SubjectNode, path: string[]) {
  return { id: node.id, label: node.label, path, tableCount: tablesUnder(node).size };
}

function toSelection(input: SelectionInput[]): Selection {
  const seen = new Set<string>();
  return input.map((item) => {
    if (seen.has(item.variable)) {
      throw badUserInput(`variable "${item.variable}" is selected twice: give all its values in one entry`, { argumentName: 'selection' });
    }
    seen.add(item.variable);
    if (item.values.length === 0) {
      throw badUserInput(`variable "${item.variable}" has no values: give codes or an expression such as "*" or "top(1)"`, {
        argumentName: 'selection',
      });
    }
    return { variableCode: item.variable, valueCodes: item.values, ...(item.codelist ? { codelist: item.codelist } : {}) };
  });
}

function tableDataRef(dataset: DecodedDataset, freshness: Freshness, calls: number): TableDataRef {
  const contentIndex = dataset.dimensions.findIndex((dimension) => dimension.content);
  return {
    dataset, freshness, calls, contentIndex,
    labels: dataset.dimensions.map((dimension) => new Map(dimension.values.map((value) => [value.code, value.label]))),
  };
}

function variableValue(variable: { code: string }, value: VariableValue, units?: TableMetadata['units']) {
  const areaId = isRegionVariable(variable.code) ? areaIdForScbRegion(value.code) : null;
  return { code: value.code, label: value.label, area: areaId ? { id: areaId } : null, unit: units?.[value.code]?.unit ?? null };
}

export const catalogueResolvers = {
  Query: {
    statisticsTables: async (
      _: unknown,
      args: { query?: string | null; pastDays?: number | null; includeDiscontinued: boolean; page: number; pageSize: number },
      context: StatisticsContext,
    ) => {
      checkRange(args.page, 1, 100_000, 'page');
      checkRange(args.pageSize, 1, MAX_PAGE_SIZE, 'pageSize');
      if (args.pastDays != null) checkRange(args.pastDays, 1, 100_000, 'pastDays');
      const { value, freshness } = await context.source.pxweb.searchTables({
        ...(args.query ? { query: args.query } : {}),
        ...(args.pastDays != null ? { pastDays: args.pastDays } : {}),
        includeDiscontinued: args.includeDiscontinued,
        pageNumber: args.page,
        pageSize: args.pageSize,
      });
      return {
        tables: value.tables.map((info): TableRef => ({ id: info.id, info })),
        totalCount: value.totalElements,
        page: value.pageNumber,
        pageCount: value.totalPages,
        freshness: withOffline(freshness, context),
      };
    },
    statisticsTable: async (_: unknown, { id }: { id: string }, context: StatisticsContext): Promise<TableRef | null> => {
      checkTableId(id);
      try {
        // Resolving the entry now makes an unknown id null rather than an error on every field.
        const info = await tableInfo({ id, info: null }, context);
        return { id, info };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    statisticsSubjects: async (_: unknown, { path }: { path?: string[] | null }, context: StatisticsContext) => {
      const { value } = await context.source.pxweb.allTables();
      let nodes = subjectTree(value);
      const walked: string[] = [];
      for (const id of path ?? []) {
        const node = nodes.find((candidate) => candidate.id === id);
        if (!node) {
          throw badUserInput(
            `subject "${id}" is not under ${walked.length ? `"${walked.join('/')}"` : 'the top level'}: expected one of ${nodes.map((n) => n.id).join(', ') || '(none)'}`,
            { argumentName: 'path' },
          );
        }
        walked.push(id);
        nodes = node.children;
      }
      return nodes.map((node) => subjectOf(node, [...walked, node.id]));
    },
    statisticsCodelist: async (_: unknown, { id }: { id: string }, context: StatisticsContext) => {
      try {
        return (await context.source.pxweb.codelist(id)).value;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
  },
  types: {
    StatisticsTable: {
      label: async (table: TableRef, _: unknown, context: StatisticsContext) => (await tableInfo(table, context)).label,
      updated: async (table: TableRef, _: unknown, context: StatisticsContext) => (await tableInfo(table, context)).updated || null,
      firstPeriod: async (table: TableRef, _: unknown, context: StatisticsContext) => (await tableInfo(table, context)).firstPeriod || null,
      lastPeriod: async (table: TableRef, _: unknown, context: StatisticsContext) => (await tableInfo(table, context)).lastPeriod || null,
      timeUnit: async (table: TableRef, _: unknown, context: StatisticsContext) => (await tableInfo(table, context)).timeUnit || null,
      subjectCode: async (table: TableRef, _: unknown, context: StatisticsContext) => (await tableInfo(table, context)).subjectCode || null,
      discontinued: async (table: TableRef, _: unknown, context: StatisticsContext) => (await tableInfo(table, context)).discontinued,
      paths: async (table: TableRef, _: unknown, context: StatisticsContext) =>
        (await tableInfo(table, context)).paths.map((chain) =>
          chain.map((step, i) => ({ id: step.id, label: step.label, path: chain.slice(0, i + 1).map((s) => s.id), tableCount: 0 })),
        ),
      variables: async (table: TableRef, _: unknown, context: StatisticsContext) => {
        const { value } = await context.loaders.metadata.load(table.id);
        return value.variables.map((variable) => ({ variable, units: value.units }));
      },
      notes: async (table: TableRef, _: unknown, context: StatisticsContext) => (await context.loaders.metadata.load(table.id)).value.notes,
      cellKeyNoise: async (table: TableRef, _: unknown, context: StatisticsContext) =>
        (await context.loaders.metadata.load(table.id)).value.cellKeyNoise,
      data: async (table: TableRef, args: { selection: SelectionInput[] }, context: StatisticsContext) => {
        const selection = toSelection(args.selection);
        let calls = 0;
        const { value, freshness } = await context.source.pxweb.data(table.id, selection, { onProgress: () => (calls += 1) });
        return tableDataRef(value, freshness, freshness.fromCache ? 0 : calls);
      },
    },
    StatisticsSubject: {
      // A subject reached through a table's path: count its tables from the whole catalogue only when asked.
      tableCount: async (subject: { path: string[]; tableCount: number }, _: unknown, context: StatisticsContext) => {
        if (subject.tableCount > 0) return subject.tableCount;
        const { value } = await context.source.pxweb.allTables();
        let node: SubjectNode | undefined;
        let nodes = subjectTree(value);
        for (const id of subject.path) {
          node = nodes.find((candidate) => candidate.id === id);
          nodes = node?.children ?? [];
        }
        return node ? tablesUnder(node).size : 0;
      },
    },
    TableVariable: {
      code: ({ variable }: { variable: TableVariable }) => variable.code,
      label: ({ variable }: { variable: TableVariable }) => variable.label,
      time: ({ variable }: { variable: TableVariable }) => variable.time,
      content: ({ variable }: { variable: TableVariable }) => variable.content,
      elimination: ({ variable }: { variable: TableVariable }) => variable.elimination,
      eliminationValue: ({ variable }: { variable: TableVariable }) => variable.eliminationValueCode,
      valueCount: ({ variable }: { variable: TableVariable }) => variable.values.length,
      codelists: ({ variable }: { variable: TableVariable }) => variable.codelists,
      values: (
        { variable, units }: { variable: TableVariable; units: TableMetadata['units'] },
        { filter, first }: { filter?: string | null; first: number },
      ) => {
        checkRange(first, 0, MAX_VALUES, 'first');
        const needle = filter?.toLowerCase();
        return variable.values
          .filter((value) => !needle || value.code.toLowerCase().includes(needle) || value.label.toLowerCase().includes(needle))
          .slice(0, first)
          .map((value) => variableValue(variable, value, units));
      },
    },
    TableData: {
      tableId: (data: TableDataRef) => data.dataset.tableId,
      label: (data: TableDataRef) => data.dataset.label,
      updated: (data: TableDataRef) => data.dataset.updated,
      dimensions: (data: TableDataRef) =>
        data.dataset.dimensions.map((dimension) => ({
          code: dimension.code,
          label: dimension.label,
          values: dimension.values.map((value) => variableValue(dimension, value, data.dataset.units)),
        })),
      rowCount: (data: TableDataRef) => data.dataset.rows.length,
      rows: (data: TableDataRef, { offset, first }: { offset: number; first: number }) => {
        checkRange(offset, 0, Number.MAX_SAFE_INTEGER, 'offset');
        checkRange(first, 0, MAX_ROWS, 'first');
        const { dimensions, units } = data.dataset;
        const content = (row: { codes: string[] }) => (data.contentIndex >= 0 ? units[row.codes[data.contentIndex]] : undefined);
        return data.dataset.rows.slice(offset, offset + first).map((row) => ({
          dimensions: row.codes.map((code, i) => {
            const variable = dimensions[i].code;
            const areaId = isRegionVariable(variable) ? areaIdForScbRegion(code) : null;
            return { variable, code, label: data.labels[i].get(code) ?? code, area: areaId ? { id: areaId } : null };
          }),
          value: row.value,
          status: valueStatus(row.status, row.value),
          symbol: row.status,
          unit: content(row)?.unit ?? null,
          decimals: content(row)?.decimals ?? null,
        }));
      },
      cellKeyNoise: (data: TableDataRef) => data.dataset.cellKeyNoise,
      calls: (data: TableDataRef) => data.calls,
      freshness: (data: TableDataRef, _: unknown, context: StatisticsContext) => withOffline(data.freshness, context),
      source: (data: TableDataRef, _: unknown, context: StatisticsContext) => ({
        tableId: data.dataset.tableId,
        table: data.dataset.label,
        publisher: data.dataset.source || 'SCB',
        asOf: data.dataset.updated.slice(0, 10),
        unit: [...new Set(Object.values(data.dataset.units).map((unit) => unit.unit))].join(', ') || 'see each row',
        licence: SCB_LICENCE,
        method: 'published value',
        cellKeyNoise: data.dataset.cellKeyNoise,
        offline: context.source.mode === 'offline',
      }),
    },
  },
};
