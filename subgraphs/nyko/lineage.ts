// Lineage between two versions of one level of a scheme: which areas stayed, moved, split, merged or appeared, by overlap in SWEREF 99 TM.
import { intersectionAreas, type PlanarPolygon } from '../../lib/geometry.ts';

/**
 * How a from-area relates to a to-area. The first two link an area to itself (same code); the others link different codes:
 * - `unchanged`: same code, no real piece traded with another code, and intersection over union ≥ unchangedIoU or the
 *   land lost and the land gained each thinner on average than sliverWidthM along the border (the border drawn again);
 * - `boundary_change`: same code with land gained or lost (the row carries the area delta); between two different codes that
 *   exist in both versions, the land that moved across their common boundary;
 * - `split`: a retired code whose land went to two or more areas (one row per part);
 * - `merge`: a new code made of two or more retired codes (one row per part);
 * - `renamed`: a retired code that became one new code, each ≥ renamedShare of the other;
 * - `replaced`: a retired code succeeded by one new code that differs from it by more than that;
 * - `carved`: land of a surviving code that went into a new code (a new area carved out of existing ones);
 * - `absorbed`: land of a retired code taken in by a surviving code (a merge into an existing area);
 * - `new`: an area no old area accounts for (land not in the old version); `retired`: an old area whose land no new area covers.
 */
export const LINEAGE_RELATIONS = ['unchanged', 'boundary_change', 'split', 'merge', 'renamed', 'replaced', 'carved', 'absorbed', 'new', 'retired'] as const;
export type LineageRelation = (typeof LINEAGE_RELATIONS)[number];

export interface LineageTolerances {
  /** Same-code areas at least this similar (|A ∩ B| / |A ∪ B|) are unchanged (default 0.99). */
  unchangedIoU: number;
  /**
   * A piece of land that changed hands is a sliver, not a change, when it is under sliverM2 (default 1,000 m²) and under
   * half the smaller area, or under sliverShare (default 0.01) of both areas it lies between. Redigitised borders leave
   * slivers all along them.
   */
  sliverM2: number;
  sliverShare: number;
  /**
   * All the land an area lost, and all it gained, is no change when each is under this many metres times its perimeter
   * (default 2): the border drawn again, shifted by rounding (5-decimal WGS84 is about a metre) or redigitised.
   */
  sliverWidthM: number;
  /** A retired code is `renamed` rather than `replaced` when it and its one successor cover this share of each other (default 0.95). */
  renamedShare: number;
}

export const DEFAULT_LINEAGE_TOLERANCES: LineageTolerances = { unchangedIoU: 0.99, sliverM2: 1000, sliverShare: 0.01, sliverWidthM: 2, renamedShare: 0.95 };

/** An area of one version at one level; `polygon` in SWEREF 99 TM metres, null for an area without geometry. */
export interface LineageArea {
  id: string;
  code: string;
  polygon: PlanarPolygon | null;
}

export interface LineageLink {
  relation: LineageRelation;
  fromCode: string | null;
  toCode: string | null;
  fromId: string | null;
  toId: string | null;
  /** |from ∩ to| / |from| and / |to|; for `new` the part of the to-area no old area covered, for `retired` the part of the from-area no new area covers. */
  shareOfFrom: number | null;
  shareOfTo: number | null;
  overlapM2: number | null;
  /** Same-code links only. */
  iou: number | null;
  areaDeltaM2: number | null;
}

export interface LineageSummary {
  fromAreas: number;
  toAreas: number;
  /** Codes in both versions whose areas overlap. */
  kept: number;
  unchanged: number;
  boundaryChanged: number;
  /** Codes of the old version that are gone, and what became of each (relations of its links). */
  retiredCodes: { code: string; relations: LineageRelation[]; to: string[] }[];
  /** Codes of the new version that are new, and where each came from. */
  newCodes: { code: string; relations: LineageRelation[]; from: string[] }[];
  /** Number of links of each relation. */
  links: Record<LineageRelation, number>;
}

export interface LineageResult {
  links: LineageLink[];
  summary: LineageSummary;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Length of every ring of a polygon, holes included, in metres. */
function perimeter(polygon: PlanarPolygon): number {
  let length = 0;
  for (const rings of polygon.polygons) for (const ring of rings) for (let i = 1; i < ring.length; i++) length += Math.hypot(ring[i][0] - ring[i - 1][0], ring[i][1] - ring[i - 1][1]);
  return length;
}

/** Computes the links from every area of `from` to the areas of `to` (one level, two consecutive versions). */
export function computeLineage(from: readonly LineageArea[], to: readonly LineageArea[], tolerances: Partial<LineageTolerances> = {}): LineageResult {
  const t = { ...DEFAULT_LINEAGE_TOLERANCES, ...tolerances };
  const fromGeo = from.filter((a) => a.polygon !== null);
  const toGeo = to.filter((a) => a.polygon !== null);
  const pairs = intersectionAreas(
    fromGeo.map((a) => a.polygon as PlanarPolygon),
    toGeo.map((a) => a.polygon as PlanarPolygon),
    0,
  );
  const areaOf = (a: LineageArea) => (a.polygon as PlanarPolygon).area;

  /** A piece between two areas that is too small to be a change of either. */
  const isSliver = (m2: number, ...of: number[]) =>
    (m2 < t.sliverM2 && m2 < 0.5 * Math.min(...of)) || of.every((area) => area <= 0 || m2 / area < t.sliverShare);

  interface Pair {
    f: LineageArea;
    to: LineageArea;
    m2: number;
    sF: number;
    sT: number;
  }
  const sameCode: Pair[] = [];
  const cross: Pair[] = [];
  const coveredFrom = new Map<LineageArea, number>();
  const coveredTo = new Map<LineageArea, number>();
  for (const { a, b, area } of pairs) {
    const f = fromGeo[a];
    const g = toGeo[b];
    coveredFrom.set(f, (coveredFrom.get(f) ?? 0) + area);
    coveredTo.set(g, (coveredTo.get(g) ?? 0) + area);
    const pair = { f, to: g, m2: area, sF: area / areaOf(f), sT: area / areaOf(g) };
    if (f.code === g.code) sameCode.push(pair);
    else if (!isSliver(area, areaOf(f), areaOf(g))) cross.push(pair);
  }
  // A code survives when its old and new areas overlap by more than a sliver; a code moved elsewhere wholesale does not.
  const kept = sameCode.filter((p) => !isSliver(p.m2, areaOf(p.f), areaOf(p.to)) || p.sF >= 0.5 || p.sT >= 0.5);
  const survivingCodes = new Set(kept.map((p) => p.f.code));
  const outgoing = new Map<LineageArea, Pair[]>();
  const incoming = new Map<LineageArea, Pair[]>();
  for (const pair of cross) {
    outgoing.set(pair.f, [...(outgoing.get(pair.f) ?? []), pair]);
    incoming.set(pair.to, [...(incoming.get(pair.to) ?? []), pair]);
  }

  const links: LineageLink[] = [];
  const link = (relation: LineageRelation, pair: Pair, extra: Partial<LineageLink> = {}) =>
    links.push({
      relation,
      fromCode: pair.f.code,
      toCode: pair.to.code,
      fromId: pair.f.id,
      toId: pair.to.id,
      shareOfFrom: round(pair.sF, 6),
      shareOfTo: round(pair.sT, 6),
      overlapM2: round(pair.m2, 2),
      iou: null,
      areaDeltaM2: null,
      ...extra,
    });

  const redrawn = (m2: number, area: PlanarPolygon) => m2 < t.sliverWidthM * perimeter(area);
  let unchanged = 0;
  let boundaryChanged = 0;
  for (const pair of kept) {
    const iou = pair.m2 / (areaOf(pair.f) + areaOf(pair.to) - pair.m2);
    // All the land the code lost (to other codes or to no area) and gained, slivers included.
    const lost = areaOf(pair.f) - pair.m2;
    const gained = areaOf(pair.to) - pair.m2;
    // An area that traded a real piece with another code changed, however small the piece is beside it. Otherwise it
    // is unchanged above the IoU threshold, and below it when what it lost and gained are thin bands along its border.
    const traded = (outgoing.get(pair.f)?.length ?? 0) + (incoming.get(pair.to)?.length ?? 0) > 0;
    const same = !traded && (iou >= t.unchangedIoU || (redrawn(lost, pair.f.polygon as PlanarPolygon) && redrawn(gained, pair.to.polygon as PlanarPolygon)));
    if (same) unchanged++;
    else boundaryChanged++;
    link(same ? 'unchanged' : 'boundary_change', pair, { iou: round(iou, 6), areaDeltaM2: round(areaOf(pair.to) - areaOf(pair.f), 2) });
  }

  for (const pair of cross) {
    const fromSurvives = survivingCodes.has(pair.f.code);
    const toExisted = survivingCodes.has(pair.to.code);
    let relation: LineageRelation;
    if (fromSurvives) relation = toExisted ? 'boundary_change' : 'carved';
    else if (toExisted) relation = 'absorbed';
    else if ((outgoing.get(pair.f)?.length ?? 0) >= 2) relation = 'split';
    else if ((incoming.get(pair.to) ?? []).filter((p) => !survivingCodes.has(p.f.code)).length >= 2) relation = 'merge';
    else relation = pair.sF >= t.renamedShare && pair.sT >= t.renamedShare ? 'renamed' : 'replaced';
    link(relation, pair);
  }

  // Areas with no link at all: land the other version does not have.
  const linkedFrom = new Set([...kept.map((p) => p.f), ...cross.map((p) => p.f)]);
  const linkedTo = new Set([...kept.map((p) => p.to), ...cross.map((p) => p.to)]);
  const toCodes = new Set(to.map((a) => a.code));
  const fromCodes = new Set(from.map((a) => a.code));
  for (const f of from) {
    if (linkedFrom.has(f)) continue;
    // Without geometry, a code present in both versions is all there is to go by.
    if (f.polygon === null && toCodes.has(f.code)) {
      const g = to.find((a) => a.code === f.code) as LineageArea;
      links.push({ relation: 'unchanged', fromCode: f.code, toCode: g.code, fromId: f.id, toId: g.id, shareOfFrom: null, shareOfTo: null, overlapM2: null, iou: null, areaDeltaM2: null });
      unchanged++;
      continue;
    }
    const share = f.polygon ? round(1 - (coveredFrom.get(f) ?? 0) / areaOf(f), 6) : null;
    links.push({ relation: 'retired', fromCode: f.code, toCode: null, fromId: f.id, toId: null, shareOfFrom: share, shareOfTo: null, overlapM2: null, iou: null, areaDeltaM2: null });
  }
  for (const g of to) {
    if (linkedTo.has(g) || (g.polygon === null && fromCodes.has(g.code))) continue;
    const share = g.polygon ? round(1 - (coveredTo.get(g) ?? 0) / areaOf(g), 6) : null;
    links.push({ relation: 'new', fromCode: null, toCode: g.code, fromId: null, toId: g.id, shareOfFrom: null, shareOfTo: share, overlapM2: null, iou: null, areaDeltaM2: null });
  }

  links.sort((x, y) => (x.fromCode ?? '').localeCompare(y.fromCode ?? '') || (x.toCode ?? '').localeCompare(y.toCode ?? ''));
  const counts = Object.fromEntries(LINEAGE_RELATIONS.map((r) => [r, 0])) as Record<LineageRelation, number>;
  for (const l of links) counts[l.relation]++;
  const keptCodes = new Set([...survivingCodes, ...from.filter((a) => a.polygon === null && toCodes.has(a.code)).map((a) => a.code)]);
  const byCode = (x: LineageArea, y: LineageArea) => x.code.localeCompare(y.code);
  const retiredCodes = [...from]
    .sort(byCode)
    .filter((a) => !keptCodes.has(a.code))
    .map((a) => {
      const own = links.filter((l) => l.fromId === a.id);
      return { code: a.code, relations: [...new Set(own.map((l) => l.relation))], to: own.flatMap((l) => (l.toCode === null ? [] : [l.toCode])) };
    });
  const newCodes = [...to]
    .sort(byCode)
    .filter((a) => !keptCodes.has(a.code))
    .map((a) => {
      const own = links.filter((l) => l.toId === a.id);
      return { code: a.code, relations: [...new Set(own.map((l) => l.relation))], from: own.flatMap((l) => (l.fromCode === null ? [] : [l.fromCode])) };
    });
  return {
    links,
    summary: {
      fromAreas: from.length,
      toAreas: to.length,
      kept: keptCodes.size,
      unchanged,
      boundaryChanged,
      retiredCodes,
      newCodes,
      links: counts,
    },
  };
}
