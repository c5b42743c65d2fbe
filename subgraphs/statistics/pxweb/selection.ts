// Selections against table metadata: resolving PxWeb's selection expressions, counting cells, and splitting into the fewest calls.
import { badUserInput } from '../../../lib/errors.ts';
import type { DecodedDataset, Selection, SelectionItem, TableMetadata, TableVariable } from './types.ts';

/** Codes chosen per selected variable, in the variable's metadata order; omitted (eliminated) variables are absent. */
export type ResolvedSelection = Record<string, string[]>;

export interface SelectionPlan {
  /** Cells the whole selection asks for: the product of the selected counts (an omitted variable counts 1). */
  cells: number;
  /** The smallest number of calls any split could reach: ceil(cells / maxCells). */
  minimumChunks: number;
  /** The calls to make, in order; one chunk (the selection as given) when it fits. */
  chunks: Selection[];
  /** Variables the chunks split, empty when the selection fits one call. */
  splitVariables: string[];
  resolved: ResolvedSelection;
}

const FIRST_CODES_SHOWN = 8;

function firstCodes(variable: TableVariable): string {
  const codes = variable.values.slice(0, FIRST_CODES_SHOWN).map((v) => v.code);
  return `${codes.join(', ')}${variable.values.length > FIRST_CODES_SHOWN ? ', …' : ''}`;
}

/** A code that contains a comma travels in brackets (`[1,2]`); inside the client the brackets are dropped. */
function unbracket(expression: string): string {
  const trimmed = expression.trim();
  return trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Codes one expression selects, with PxWebApi's semantics: case-insensitive, top/bottom counted from the newest on time. */
function expand(expression: string, variable: TableVariable, tableId: string): string[] {
  const codes = variable.values.map((v) => v.code);
  const lower = expression.toLowerCase();
  const exact = codes.find((code) => code.toLowerCase() === lower);
  if (exact !== undefined) return [exact];
  const indexOf = (code: string): number => {
    const index = codes.findIndex((c) => c.toLowerCase() === code.trim().toLowerCase());
    if (index < 0) throw unknownCode(code, variable, tableId);
    return index;
  };
  if (expression.includes('*') || expression.includes('?')) {
    const pattern = new RegExp(`^${escapeRegExp(expression).replaceAll('*', '.*').replaceAll('?', '.')}$`, 'i');
    return codes.filter((code) => pattern.test(code));
  }
  const call = /^(top|bottom|range|from|to)\((.*)\)$/i.exec(expression);
  if (!call) throw unknownCode(expression, variable, tableId);
  const name = call[1].toLowerCase();
  const args = call[2].split(',');
  if (name === 'top' || name === 'bottom') {
    const [count, offset = 0] = args.map(Number);
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(offset) || offset < 0 || args.length > 2) {
      throw badUserInput(`"${expression}" is not a valid ${name} expression for ${variable.code}: expected ${name}(n) or ${name}(n,offset), e.g. ${name}(3)`);
    }
    // Time values are ascending, so top() on time means the newest.
    const fromStart = (name === 'top') !== variable.time;
    const end = codes.length - offset;
    return fromStart ? codes.slice(offset, offset + count) : codes.slice(Math.max(0, end - count), Math.max(0, end));
  }
  if (name === 'range') {
    if (args.length !== 2) throw badUserInput(`"${expression}" is not a valid range for ${variable.code}: expected range(first,last), e.g. range(2020,2022)`);
    const [a, b] = [indexOf(args[0]), indexOf(args[1])].sort((x, y) => x - y);
    return codes.slice(a, b + 1);
  }
  const index = indexOf(call[2]);
  return name === 'from' ? codes.slice(index) : codes.slice(0, index + 1);
}

function unknownCode(code: string, variable: TableVariable, tableId: string) {
  return badUserInput(
    `"${code}" is not a value of ${variable.code} in table ${tableId}: expected one of its codes (${firstCodes(variable)}) or an expression such as *, top(3), range(a,b)`,
    { variable: variable.code, value: code },
  );
}

/** The variable a selection item names (case-insensitive, as PxWeb matches), or a BAD_USER_INPUT naming the table's variables. */
function variableOf(metadata: TableMetadata, item: SelectionItem): TableVariable {
  const wanted = item.variableCode.toLowerCase();
  const variable = metadata.variables.find((v) => v.code.toLowerCase() === wanted);
  if (!variable) {
    throw badUserInput(
      `Table ${metadata.id} has no variable "${item.variableCode}": expected one of ${metadata.variables.map((v) => v.code).join(', ')}`,
      { variable: item.variableCode },
    );
  }
  return variable;
}

/**
 * Resolves every expression against the metadata's values. An omitted variable that cannot be eliminated is an error
 * (PxWebApi 2.0 requires a selection for it), as is an expression that selects nothing.
 */
export function resolveSelection(metadata: TableMetadata, selection: Selection): ResolvedSelection {
  const resolved: ResolvedSelection = {};
  for (const item of selection) {
    const variable = variableOf(metadata, item);
    if (resolved[variable.code]) throw badUserInput(`${variable.code} is selected twice: give all its codes in one item`, { variable: variable.code });
    const picked = new Set(item.valueCodes.flatMap((expression) => expand(unbracket(expression), variable, metadata.id)));
    const codes = variable.values.map((v) => v.code).filter((code) => picked.has(code));
    if (codes.length === 0) {
      throw badUserInput(`The selection of ${variable.code} (${item.valueCodes.join(', ') || 'no codes'}) matches no value of table ${metadata.id}: expected codes like ${firstCodes(variable)}`, {
        variable: variable.code,
      });
    }
    resolved[variable.code] = codes;
  }
  for (const variable of metadata.variables) {
    if (!resolved[variable.code] && !variable.elimination) {
      throw badUserInput(
        `Table ${metadata.id} needs a selection for ${variable.code} (${variable.label}), which cannot be left out: give codes such as ${firstCodes(variable)} or "*" for all ${variable.values.length}`,
        { variable: variable.code },
      );
    }
  }
  return resolved;
}

/** The cells a resolved selection asks for. */
export function countCells(resolved: ResolvedSelection): number {
  return Object.values(resolved).reduce((product, codes) => product * codes.length, 1);
}

/** Ways to cut n values into k groups, one per distinct largest-group size g = ceil(n/k), fewest groups first. */
function cuts(n: number): { groups: number; size: number }[] {
  const options: { groups: number; size: number }[] = [];
  for (let groups = 1; groups <= n; groups++) {
    const size = Math.ceil(n / groups);
    if (options.length === 0 || options[options.length - 1].size !== size) options.push({ groups, size });
  }
  return options;
}

/**
 * Groups per variable that minimise the number of chunks (the product of the groups) while every chunk
 * (the product of the largest group sizes) stays within maxCells; null when no split fits.
 */
function fewestGroups(counts: number[], splittable: boolean[], maxCells: number): number[] | null {
  const options = counts.map((n, i) => (splittable[i] ? cuts(n) : [{ groups: 1, size: n }]));
  // Cells the variables from i on contribute at the least (unsplittable ones at full size).
  const leastCells = counts.map((_, i) => counts.slice(i).reduce((p, n, j) => p * (splittable[i + j] ? 1 : n), 1));
  const fullCells = counts.map((_, i) => counts.slice(i).reduce((p, n) => p * n, 1));
  let best: number[] | null = null;
  let bestChunks = Infinity;
  let bestSplits = Infinity;
  const groups: number[] = [];
  // Depth-first over the cuts of each variable; among equally few chunks, the split touching fewer variables wins.
  const search = (i: number, chunks: number, cells: number, splits: number): void => {
    if (i === counts.length) {
      if (chunks < bestChunks || splits < bestSplits) [best, bestChunks, bestSplits] = [[...groups], chunks, splits];
      return;
    }
    // However the rest is cut, chunks cannot drop below (cells so far × all remaining cells) / maxCells.
    const bound = Math.ceil((chunks * cells * fullCells[i]) / maxCells);
    if (bound > bestChunks || (bound === bestChunks && splits >= bestSplits)) return;
    for (const option of options[i]) {
      if (chunks * option.groups > bestChunks) break;
      if (cells * option.size * (leastCells[i + 1] ?? 1) > maxCells) continue;
      groups[i] = option.groups;
      search(i + 1, chunks * option.groups, cells * option.size, splits + (option.groups > 1 ? 1 : 0));
    }
  };
  search(0, 1, 1, 0);
  return best;
}

/** n codes in k contiguous groups whose sizes differ by at most one. */
function partition(codes: string[], groups: number): string[][] {
  const parts: string[][] = [];
  let start = 0;
  for (let g = 0; g < groups; g++) {
    const size = Math.floor(codes.length / groups) + (g < codes.length % groups ? 1 : 0);
    parts.push(codes.slice(start, start + size));
    start += size;
  }
  return parts;
}

/**
 * Plans the calls for a selection: resolves it, counts its cells, and when they exceed maxCells splits it into the
 * fewest chunks (choosing which variables to split and how finely); the content variable is split only when that is
 * the only way, or strictly fewer calls. Chunks name explicit codes for split variables and keep the rest as given.
 */
export function planSelection(metadata: TableMetadata, selection: Selection, maxCells: number): SelectionPlan {
  const resolved = resolveSelection(metadata, selection);
  const cells = countCells(resolved);
  const minimumChunks = Math.max(1, Math.ceil(cells / maxCells));
  if (cells <= maxCells) return { cells, minimumChunks, chunks: [selection], splitVariables: [], resolved };

  const selected = metadata.variables.filter((v) => resolved[v.code]);
  const counts = selected.map((v) => resolved[v.code].length);
  const withoutContent = fewestGroups(counts, selected.map((v) => !v.content), maxCells);
  const withContent = fewestGroups(counts, selected.map(() => true), maxCells) as number[];
  const product = (groups: number[]): number => groups.reduce((p, g) => p * g, 1);
  const groups = withoutContent && product(withoutContent) <= product(withContent) ? withoutContent : withContent;

  const itemFor = new Map(selection.map((item) => [variableOf(metadata, item).code, item]));
  let chunks: Selection[] = [[]];
  selected.forEach((variable, i) => {
    const item = itemFor.get(variable.code) as SelectionItem;
    const pieces: SelectionItem[] =
      groups[i] === 1 ? [item] : partition(resolved[variable.code], groups[i]).map((codes) => ({ ...item, variableCode: variable.code, valueCodes: codes }));
    chunks = chunks.flatMap((chunk) => pieces.map((piece) => [...chunk, piece]));
  });
  return { cells, minimumChunks, chunks, splitVariables: selected.filter((_, i) => groups[i] > 1).map((v) => v.code), resolved };
}

/** A key for a set of cells that does not depend on the order codes or variables were given in. */
export function coverageKey(coverage: ResolvedSelection, codelists: Record<string, string> = {}): string {
  const variables = Object.keys(coverage).sort();
  return JSON.stringify({
    codes: variables.map((code) => [code, [...coverage[code]].sort()]),
    codelists: Object.keys(codelists)
      .sort()
      .map((code) => [code, codelists[code]]),
  });
}

/** The codes a dataset holds per dimension. */
export function coverageOf(dataset: DecodedDataset): ResolvedSelection {
  return Object.fromEntries(dataset.dimensions.map((d) => [d.code, d.values.map((v) => v.code)]));
}

/** The codelists a selection applies, by variable code. */
export function codelistsOf(selection: Selection): Record<string, string> {
  return Object.fromEntries(selection.filter((item) => item.codelist).map((item) => [item.variableCode, item.codelist as string]));
}
