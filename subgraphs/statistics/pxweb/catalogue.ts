// The table catalogue: decoding GET /tables, /tables/{id} and /codelists/{id}, and the subject tree rebuilt from table paths.
import type { Codelist, PathStep, SubjectNode, TableInfo, TableMetadata, TableSearchResult } from './types.ts';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const records = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isRecord) : []);

function expectRecord(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new Error(`Unexpected PxWeb response: ${what} is not an object`);
  return value;
}

/** One table of GET /tables or GET /tables/{id}. */
export function decodeTableInfo(json: unknown): TableInfo {
  const table = expectRecord(json, 'the table');
  if (!text(table.id)) throw new Error('Unexpected PxWeb response: a table without an id');
  return {
    id: text(table.id),
    label: text(table.label),
    description: text(table.description),
    updated: text(table.updated),
    firstPeriod: text(table.firstPeriod),
    lastPeriod: text(table.lastPeriod),
    timeUnit: text(table.timeUnit),
    variableNames: Array.isArray(table.variableNames) ? table.variableNames.map(text) : [],
    source: text(table.source),
    subjectCode: text(table.subjectCode),
    discontinued: table.discontinued === true,
    paths: (Array.isArray(table.paths) ? table.paths : []).map((chain) =>
      records(chain).map((step): PathStep => ({ id: text(step.id), label: text(step.label), sortCode: text(step.sortCode) })),
    ),
  };
}

/** One page of GET /tables. */
export function decodeTableList(json: unknown): TableSearchResult {
  const body = expectRecord(json, 'the table list');
  const page = isRecord(body.page) ? body.page : {};
  const tables = records(body.tables).map(decodeTableInfo);
  const number = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback);
  return {
    tables,
    pageNumber: number(page.pageNumber, 1),
    pageSize: number(page.pageSize, tables.length),
    totalElements: number(page.totalElements, tables.length),
    totalPages: number(page.totalPages, 1),
  };
}

export function decodeCodelist(json: unknown): Codelist {
  const body = expectRecord(json, 'the codelist');
  return {
    id: text(body.id),
    label: text(body.label),
    type: text(body.type),
    elimination: body.elimination === true,
    values: records(body.values).map((value) => ({
      code: text(value.code),
      label: text(value.label),
      valueMap: Array.isArray(value.valueMap) ? value.valueMap.map(text) : [],
    })),
  };
}

/**
 * PxWebApi 2.0 has no folder endpoint, so the subject tree is rebuilt from every table's `paths`; folders are ordered
 * by sortCode, and a table listed under several folders appears in each.
 */
export function subjectTree(tables: TableInfo[]): SubjectNode[] {
  const root: SubjectNode = { id: '', label: '', sortCode: '', children: [], tableIds: [] };
  for (const table of tables) {
    for (const chain of table.paths) {
      let node = root;
      for (const step of chain) {
        let child = node.children.find((c) => c.id === step.id);
        if (!child) {
          child = { ...step, children: [], tableIds: [] };
          node.children.push(child);
        }
        node = child;
      }
      if (node !== root && !node.tableIds.includes(table.id)) node.tableIds.push(table.id);
    }
  }
  const sort = (nodes: SubjectNode[]): SubjectNode[] => {
    nodes.sort((a, b) => a.sortCode.localeCompare(b.sortCode, 'sv') || a.id.localeCompare(b.id));
    for (const node of nodes) sort(node.children);
    return nodes;
  };
  return sort(root.children);
}

/** A catalogue entry built from metadata, for tables the catalogue does not list (v1 paths, recordings of metadata only). */
export function tableInfoFromMetadata(metadata: TableMetadata): TableInfo {
  const time = metadata.variables.find((variable) => variable.time)?.values ?? [];
  return {
    id: metadata.id,
    label: metadata.label,
    description: '',
    updated: metadata.updated,
    firstPeriod: time[0]?.code ?? '',
    lastPeriod: time.at(-1)?.code ?? '',
    timeUnit: '',
    variableNames: metadata.variables.map((variable) => variable.label),
    source: metadata.source,
    subjectCode: '',
    discontinued: false,
    paths: [],
  };
}
