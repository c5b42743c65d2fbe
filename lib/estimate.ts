// Statistics estimated on a NYKO area from the DeSO (or RegSO) values it is made of, with bounds and an honest label.

/** One target (a DeSO, RegSO) in a NYKO area's composition. */
export interface CompositionPart {
  /** The target's `Area` id, e.g. `deso2025:1480C2650`. */
  targetId: string;
  /** Share of the target's residents (or land) allocated to the NYKO area; the weights of a target sum to 1 over a level. */
  weight: number;
  /**
   * Whether the target lies wholly inside the area, by geometry, not by weight: a coastal DeSO whose land is all in one
   * area has weight 1 but mostly lies in the sea, and one only partly covered by a scheme may lie partly on land the
   * scheme leaves out. Default: weight 1.
   */
  inside?: boolean;
}

export type WeightBasis = 'area' | 'population';

/** What a NYKO area is made of, in one target division. */
export interface Composition {
  basis: WeightBasis;
  /** The population surface of population weights, e.g. `scb-grid-1km`, and its year. */
  weightLayer: string | null;
  weightYear: number | null;
  parts: CompositionPart[];
}

/**
 * - `NESTED_EXACT`: every target lies wholly inside the area, so the value is an exact sum of published figures;
 * - `ESTIMATED_AREA` / `ESTIMATED_POPULATION`: some targets are split, by area or by a population surface.
 */
export type Provenance = 'NESTED_EXACT' | 'ESTIMATED_AREA' | 'ESTIMATED_POPULATION';

/** The label every estimate carries, so no client mistakes it for a published figure. */
export const ESTIMATE_LABEL = 'estimate' as const;

export interface NykoEstimate {
  /** Σ weight × value over the targets; null when an input is missing. */
  value: number | null;
  /**
   * Hard bounds for a count (valid whatever the true spread of people inside each target): lower is the sum of the
   * targets wholly inside, upper the sum of every target the area touches.
   */
  lower: number | null;
  upper: number | null;
  /**
   * A heuristic ±1.96·√Σ X·w·(1−w) around the value, as if each of a split target's people fell inside independently
   * with probability w, clipped to the bounds. Not a survey standard error; 0 when nothing is split.
   */
  intervalLow: number | null;
  intervalHigh: number | null;
  /** Share of the value that comes from targets wholly inside the area: 1 means exact. */
  coverageExact: number | null;
  /** Targets in the composition and how many of them lie wholly inside. */
  inputs: number;
  exactInputs: number;
  /** Targets whose value was missing (suppressed, not published); the value is null when any is. */
  missingInputs: string[];
  provenance: Provenance;
  label: typeof ESTIMATE_LABEL;
  /** Why value is null, or a caveat. */
  reason: string | null;
}

export interface RatioEstimate {
  /** Σ w·numerator / Σ w·denominator: a ratio of estimated sums, never an average of rates. */
  value: number | null;
  numerator: NykoEstimate;
  denominator: NykoEstimate;
  /**
   * The smallest and largest ratio among the targets: a ratio of weighted sums lies between them whatever the weights
   * (the mediant inequality), so these bound the estimate under the assumption it already makes, an even rate inside each target.
   */
  lower: number | null;
  upper: number | null;
  provenance: Provenance;
  label: typeof ESTIMATE_LABEL;
  reason: string | null;
}

/** The first ids of a list for a message, with an ellipsis when there are more. */
export function listIds(ids: readonly string[], max = 5): string {
  return `${ids.slice(0, max).join(', ')}${ids.length > max ? ' …' : ''}`;
}

/** A weight this close to 1 gives all of the target to the area: weights are overlap / covered part, so an exact fit gives exactly 1. */
const ALL = 1 - 1e-9;

const isWhole = (part: CompositionPart) => part.inside ?? part.weight >= ALL;

type Values = ReadonlyMap<string, number | null | undefined> | Readonly<Record<string, number | null | undefined>>;

function valueOf(values: Values, id: string): number | null {
  const value = values instanceof Map ? values.get(id) : (values as Record<string, number | null | undefined>)[id];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function provenanceOf(composition: Composition): Provenance {
  if (composition.parts.length > 0 && composition.parts.every(isWhole)) return 'NESTED_EXACT';
  return composition.basis === 'population' ? 'ESTIMATED_POPULATION' : 'ESTIMATED_AREA';
}

/**
 * Estimates a count (an extensive variable: residents, dwellings, trips) on a NYKO area as the weighted sum of the
 * values of the targets it overlaps. Bounds assume non-negative counts.
 */
export function estimateCount(composition: Composition, values: Values): NykoEstimate {
  const parts = composition.parts.filter((p) => p.weight > 0);
  const missing = parts.filter((p) => valueOf(values, p.targetId) === null).map((p) => p.targetId);
  const base = {
    inputs: parts.length,
    exactInputs: parts.filter(isWhole).length,
    missingInputs: missing,
    provenance: provenanceOf({ ...composition, parts }),
    label: ESTIMATE_LABEL,
  };
  if (parts.length === 0) {
    return { ...base, value: null, lower: null, upper: null, intervalLow: null, intervalHigh: null, coverageExact: null, reason: 'The area overlaps no target with a value: the scheme has no correspondence for it.' };
  }
  if (missing.length > 0) {
    return {
      ...base,
      value: null,
      lower: null,
      upper: null,
      intervalLow: null,
      intervalHigh: null,
      coverageExact: null,
      reason: `No value for ${missing.length} of ${parts.length} targets (${listIds(missing)}): suppressed or not published.`,
    };
  }
  let value = 0;
  let exact = 0;
  let lower = 0;
  let upper = 0;
  let variance = 0;
  for (const part of parts) {
    const x = valueOf(values, part.targetId) as number;
    const w = part.weight >= ALL ? 1 : part.weight;
    value += w * x;
    upper += x;
    if (isWhole(part)) {
      exact += x;
      lower += x;
    }
    variance += Math.abs(x) * w * (1 - w);
  }
  const half = 1.96 * Math.sqrt(variance);
  return {
    ...base,
    value,
    lower,
    upper,
    intervalLow: Math.max(lower, value - half),
    intervalHigh: Math.min(upper, value + half),
    coverageExact: value !== 0 ? exact / value : base.exactInputs === parts.length ? 1 : 0,
    reason: null,
  };
}

/**
 * Estimates a rate or share (an intensive variable) on a NYKO area by carrying numerator and denominator: never by
 * averaging the targets' rates. Null when the estimated denominator is 0 or an input is missing.
 */
export function estimateRatio(composition: Composition, numerators: Values, denominators: Values): RatioEstimate {
  const numerator = estimateCount(composition, numerators);
  const denominator = estimateCount(composition, denominators);
  // A target with a numerator but no denominator has no rate of its own, and then nothing bounds the ratio.
  let unbounded = false;
  const rates = composition.parts
    .filter((p) => p.weight > 0)
    .flatMap((p) => {
      const n = valueOf(numerators, p.targetId) ?? 0;
      const d = valueOf(denominators, p.targetId) ?? 0;
      if (d > 0) return [n / d];
      if (n !== 0) unbounded = true;
      return [];
    });
  const base = { numerator, denominator, provenance: numerator.provenance, label: ESTIMATE_LABEL };
  if (numerator.value === null || denominator.value === null) {
    return { ...base, value: null, lower: null, upper: null, reason: numerator.reason ?? denominator.reason };
  }
  if (denominator.value <= 0) return { ...base, value: null, lower: null, upper: null, reason: 'The estimated denominator is 0: there is nothing to take a share of.' };
  return {
    ...base,
    value: numerator.value / denominator.value,
    lower: rates.length > 0 && !unbounded ? Math.min(...rates) : null,
    upper: rates.length > 0 && !unbounded ? Math.max(...rates) : null,
    reason: null,
  };
}

/** A NYKO composition as the nyko subgraph resolves it and @requires hands it to statistics and mobility. */
export interface RequiredComposition {
  basis: 'AREA' | 'POPULATION';
  weightLayer?: string | null;
  weightYear?: number | null;
  parts: { areaId: string; weight: number; inside: boolean }[];
}

/**
 * The composition in an entity representation's `nykoComposition` (null for areas that are not NYKO areas). Checked,
 * because a representation is client-shaped input to a subgraph: a malformed one is an error, never a silent 0.
 */
export function compositionFromRequires(raw: unknown): Composition | null {
  if (raw == null) return null;
  const value = raw as Partial<RequiredComposition>;
  if ((value.basis !== 'AREA' && value.basis !== 'POPULATION') || !Array.isArray(value.parts)) {
    throw new TypeError('nykoComposition in the representation needs basis AREA or POPULATION and a list of parts');
  }
  return {
    basis: value.basis === 'POPULATION' ? 'population' : 'area',
    weightLayer: value.weightLayer ?? null,
    weightYear: value.weightYear ?? null,
    parts: value.parts.map((part) => {
      if (typeof part?.areaId !== 'string' || typeof part.weight !== 'number' || !(part.weight >= 0 && part.weight <= 1 + 1e-9)) {
        throw new TypeError(`nykoComposition part ${JSON.stringify(part)} needs an areaId and a weight from 0 to 1`);
      }
      return { targetId: part.areaId, weight: part.weight, inside: part.inside === true };
    }),
  };
}

/** An estimate as the shared `CountEstimate` type answers it: the estimate and the DeSO behind it with their values. */
export function countEstimateOf(
  composition: Composition,
  values: ReadonlyMap<string, number | null | undefined>,
  /** Why values are missing, in the subgraph's words; a caveat said when nothing is missing. */
  explain: { missingReason?: (missing: string[], inputs: number) => string; caveat?: string | null } = {},
) {
  const estimate = estimateCount(composition, values);
  const missing = estimate.missingInputs.length > 0;
  const reason = missing && explain.missingReason ? explain.missingReason(estimate.missingInputs, estimate.inputs) : (estimate.reason ?? explain.caveat ?? null);
  return {
    ...estimate,
    reason,
    parts: composition.parts
      .filter((part) => part.weight > 0)
      .map((part) => ({ area: { id: part.targetId }, weight: part.weight, inside: isWhole(part), value: valueOf(values, part.targetId) })),
  };
}
