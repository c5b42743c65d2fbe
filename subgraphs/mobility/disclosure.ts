// Disclosure control of mobility aggregates, as configuration: suppress or flag below k devices, round, perturb small values.
import { createHash } from 'node:crypto';
import type { DisclosureConfig, DisclosureMethod } from '../../lib/config.ts';

/** An internal, unprotected cell: distinct devices behind it and the extrapolated number of persons (or trips). */
export interface RawCell {
  devices: number;
  value: number;
}

/** A cell as it may be published. */
export interface ProtectedCell {
  /** The published value, or null when the cell is suppressed. */
  value: number | null;
  suppressed: boolean;
}

/** The disclosure facts a response states beside its values. */
export interface DisclosureSummary {
  method: DisclosureMethod;
  k: number;
  roundingBase: number;
  perturbation: boolean;
  suppressedCells: number;
  /** True when a total is a sum of published cells (some suppressed), so the true total is at least this. */
  lowerBound: boolean;
}

// A stable pseudo-random choice per cell, so the same cell is perturbed the same way in every response.
function coinFor(key: string): boolean {
  return createHash('sha256').update(key).digest()[0] % 2 === 0;
}

/** Protects one cell; `key` names the cell (area, hour, …) so perturbation is the same on every read. */
export function protect(cell: RawCell, config: DisclosureConfig, key: string): ProtectedCell {
  if (cell.devices < config.k) return { value: null, suppressed: true };
  let value = config.roundingBase > 1 ? Math.round(cell.value / config.roundingBase) * config.roundingBase : Math.round(cell.value);
  if (config.perturbSmall && (value === 1 || value === 2)) value = coinFor(key) ? 0 : 3;
  return { value, suppressed: false };
}

/** Protects a list of cells and says what was done; with `delete`, suppressed cells are left out of the list. */
export function protectAll<T extends RawCell>(
  cells: T[],
  config: DisclosureConfig,
  keyOf: (cell: T) => string,
): { cells: (T & ProtectedCell)[]; summary: DisclosureSummary } {
  const protectedCells = cells.map((cell) => ({ ...cell, ...protect(cell, config, keyOf(cell)) }));
  const suppressed = protectedCells.filter((cell) => cell.suppressed).length;
  return {
    cells: config.method === 'delete' ? protectedCells.filter((cell) => !cell.suppressed) : protectedCells,
    summary: summarize(config, suppressed, false),
  };
}

export function summarize(config: DisclosureConfig, suppressedCells: number, lowerBound: boolean): DisclosureSummary {
  return { method: config.method, k: config.k, roundingBase: config.roundingBase, perturbation: config.perturbSmall, suppressedCells, lowerBound };
}
