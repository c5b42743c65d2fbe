// Whole-import checks: codes (missing, duplicate), and per level overlaps, gaps and the kommun boundary.
import { interiorPoint, intersectionArea, pointInRing, selfOverlaps, unionGaps, unionOutline, type Gap, type PlanarPolygon } from '../../../lib/geometry.ts';
import type { IssueLog } from './issues.ts';
import { isRestpostCode, issuePosition, label, type WorkingArea } from './model.ts';
import type { NykoTolerances } from './types.ts';

const m2 = (value: number) => `${Math.round(value).toLocaleString('en')} m²`;
const percent = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)} %`;

/**
 * Missing and duplicate codes (codes must be unique across the whole import: they become ids), areas without
 * geometry. Inputs without a code field at all were refused once already and get no error per feature.
 */
export function checkCodes(areas: WorkingArea[], levelName: (level: number) => string, geometryFiles: Set<number>, withoutCodeField: Set<number>): void {
  const first = new Map<string, WorkingArea>();
  for (const area of areas) {
    const what = label(area, levelName(area.level));
    if (area.code === null) {
      if (!withoutCodeField.has(area.source) && !area.codeRejected) area.log.error('MISSING_CODE', `${what} has no code.`, 'Give every area its code; a restpost gets its scheme’s restpost code (e.g. 99).', { feature: area.feature ?? undefined });
      continue;
    }
    const earlier = first.get(area.code);
    if (earlier) {
      const where = earlier.level === area.level ? '' : ` as a ${levelName(earlier.level)}`;
      area.log.error('DUPLICATE_CODE', `Code ${area.code} of ${what} is already used${where} by ${label(earlier, levelName(earlier.level))}${earlier.source !== area.source ? ` in input ${earlier.source}` : ''}.`, 'Codes must be unique within a version, across levels; correct or merge the duplicates.', {
        feature: area.feature ?? undefined,
        value: area.code,
        related: [{ source: earlier.source, feature: earlier.feature, code: earlier.code }],
      });
    } else first.set(area.code, area);
    if (geometryFiles.has(area.source) && area.feature !== null && !area.hadGeometry && !isRestpostCode(area.code)) {
      area.log.warning('MISSING_GEOMETRY', `${what} has no geometry.`, 'Add its polygon; only a restpost (code 99, 0 …) may lack one. It is imported as an area without geometry.', {
        feature: area.feature,
        value: area.code,
      });
    }
  }
}

/** Pairs of areas of one level that overlap: errors above both tolerances, warnings above the noise. */
export function checkOverlaps(areas: WorkingArea[], levelName: string, tolerances: NykoTolerances, onProgress?: (done: number) => void): { pairs: number; areaM2: number } {
  const drawn = areas.filter((a) => a.geometry !== null);
  const pairs = selfOverlaps(
    drawn.map((a) => (a.geometry as { planar: PlanarPolygon }).planar),
    tolerances.noiseM2,
    onProgress,
  );
  let total = 0;
  for (const { a, b, area } of pairs) {
    total += area;
    const first = drawn[a];
    const second = drawn[b];
    const share = area / Math.min(first.geometry!.planar.area, second.geometry!.planar.area);
    const error = area > tolerances.overlapM2 && share > tolerances.overlapShare;
    first.log.add(
      error ? 'error' : 'warning',
      'OVERLAP',
      `${label(first, levelName)} and ${label(second, levelName)} overlap by ${m2(area)} (${percent(share)} of the smaller).`,
      error
        ? 'Each place must belong to one area of a level: move the shared border so the two no longer overlap.'
        : `A sliver below the tolerances (${m2(tolerances.overlapM2)} and ${percent(tolerances.overlapShare)} of the smaller area); snap the two borders together to remove it.`,
      { feature: first.feature ?? undefined, value: first.code ?? undefined, areaM2: area, related: [{ source: second.source, feature: second.feature, code: second.code }] },
    );
  }
  return { pairs: pairs.length, areaM2: total };
}

/**
 * Holes in the union of a level's areas: land they enclose that none covers. Gaps a finer level already reported
 * (same place) are counted but not repeated.
 */
export function checkGaps(areas: WorkingArea[], levelName: string, tolerances: NykoTolerances, log: IssueLog, finerGaps: Gap[]): { gaps: Gap[]; areaM2: number } {
  const drawn = areas.filter((a) => a.geometry !== null).map((a) => a.geometry!.planar);
  if (drawn.length === 0) return { gaps: [], areaM2: 0 };
  const gaps = unionGaps(unionOutline(drawn), tolerances.noiseM2);
  const fresh = gaps.filter((gap) => !finerGaps.some((finer) => pointInRing(gap.position[0], gap.position[1], finer.ring)));
  const listed = fresh.filter((gap) => gap.area > tolerances.gapM2);
  for (const gap of listed) {
    log.warning('GAP', `A gap of ${m2(gap.area)} between ${levelName} areas belongs to none of them.`, 'If the land belongs to an area, extend that area over it; water or land outside the scheme can stay uncovered.', {
      level: levelName,
      areaM2: gap.area,
      position: issuePosition(gap.position),
    });
  }
  const small = fresh.filter((gap) => gap.area <= tolerances.gapM2);
  if (small.length > 0) {
    const total = small.reduce((sum, gap) => sum + gap.area, 0);
    log.warning('GAP', `${small.length} small gaps between ${levelName} areas (each ≤ ${m2(tolerances.gapM2)}, ${m2(total)} together) belong to no area.`, 'Slivers from borders digitised twice; snap the borders together to close them.', {
      level: levelName,
      areaM2: total,
      position: issuePosition(small[0].position),
    });
  }
  return { gaps, areaM2: gaps.reduce((sum, gap) => sum + gap.area, 0) };
}

/**
 * Areas lying outside the kommun boundary, and the share of the kommun a level covers. One area is an error only
 * when it is mostly outside and far away (a wrong code or coordinates), since generalised outlines leave out islands;
 * a level mostly outside means the wrong kommun or CRS. Warnings (parts outside, coverage) are given for the
 * finest level only: a coarser level repeats its children's coastline.
 */
export function checkKommunBoundary(
  areas: WorkingArea[],
  levelName: string,
  kommun: PlanarPolygon,
  kommunCode: string,
  tolerances: NykoTolerances,
  log: IssueLog,
  finest: boolean,
): number {
  let covered = 0;
  let total = 0;
  const partly: { area: WorkingArea; outside: number; share: number }[] = [];
  for (const area of areas) {
    if (!area.geometry) continue;
    const planar = area.geometry.planar;
    const inside = intersectionArea(planar, kommun);
    covered += inside;
    total += planar.area;
    const outside = planar.area - inside;
    const share = outside / planar.area;
    const point = share > tolerances.outsideShare ? interiorPoint(planar.toGeometry()) : null;
    const distance = point ? kommun.distanceTo(point[0], point[1]) : 0;
    if (distance > tolerances.outsideDistanceM) {
      area.log.error(
        'OUTSIDE_MUNICIPALITY',
        `${label(area, levelName)} lies ${share > 0.999 ? 'wholly' : `${percent(share)} (${m2(outside)})`} outside kommun ${kommunCode}, ${(distance / 1000).toFixed(1)} km from its boundary.`,
        'Check the area’s code and coordinates, that the file belongs to this kommun and that its CRS is right.',
        { feature: area.feature ?? undefined, value: area.code ?? undefined, areaM2: outside, position: point ? issuePosition(point) : undefined },
      );
    } else if (finest && outside > tolerances.outsideM2) partly.push({ area, outside, share });
  }
  // Coastal areas stick out of a generalised outline by the dozen, so they are one warning listing them all.
  if (partly.length > 0) {
    partly.sort((a, b) => b.outside - a.outside);
    const sum = partly.reduce((s, p) => s + p.outside, 0);
    const examples = partly.slice(0, 5).map((p) => `${p.area.code} (${p.share > 0.999 ? 'wholly' : percent(p.share)})`);
    log.warning(
      'OUTSIDE_MUNICIPALITY',
      `${partly.length} ${levelName} areas lie partly or wholly outside kommun ${kommunCode}, ${m2(sum)} in all: ${examples.join(', ')}${partly.length > 5 ? ' …' : ''}.`,
      'Generalised kommun outlines cut coastlines and leave out islands; check the borders of the areas listed if they should follow the kommun’s.',
      { level: levelName, areaM2: sum, related: partly.map((p) => ({ source: p.area.source, feature: p.area.feature, code: p.area.code })) },
    );
  }
  if (total > 0 && (total - covered) / total > tolerances.outsideShare) {
    log.error('OUTSIDE_MUNICIPALITY', `${percent((total - covered) / total)} of the ${levelName} areas' land lies outside kommun ${kommunCode}.`, 'Check that the file belongs to this kommun and that its CRS is right.', {
      level: levelName,
      areaM2: total - covered,
    });
  }
  const coverage = Math.min(1, covered / kommun.area);
  if (finest && coverage < 0.99) {
    log.warning(
      'GAP',
      `${percent(1 - coverage)} of kommun ${kommunCode} (${m2(kommun.area - covered)}) lies in no ${levelName}: water, or land the scheme leaves out.`,
      'If land is missing, add it to an area or a restpost; generalised kommun outlines include water that schemes often leave out.',
      { level: levelName, areaM2: kommun.area - covered },
    );
  }
  return coverage;
}
