// SCB's region codes in PxWeb tables ↔ regiongraph area ids, in one place (docs/ids.md, "SCB region codes").
import { COUNTRY_ID, formatAreaId, parseAreaId, type AreaKind } from '../../lib/area-id.ts';

/** Codes some SCB tables carry that are groupings, not areas of any division (e.g. TAB1212's metro regions). */
export const PSEUDO_REGIONS: Readonly<Record<string, string>> = {
  '0010': 'Stor-Stockholm',
  '0020': 'Stor-Göteborg',
  '0030': 'Stor-Malmö',
};

/** The first reference year SCB publishes on a division; earlier cells of its codes are "not existing", never zero. */
export const VINTAGE_FIRST_YEAR: Partial<Record<AreaKind, number>> = {
  // SCB's TAB6574 note: the 2025 division is used from reference year 2024 on.
  deso2025: 2024,
  regso2025: 2024,
};

const SUFFIXES: Partial<Record<AreaKind, string>> = { deso2025: '_DeSO2025', regso2025: '_RegSO2025' };

/** Region code shapes, tried in order: the 2025 suffixes before the bare DeSO and RegSO codes of 2018/2020. */
const CODE_PATTERNS: [RegExp, AreaKind][] = [
  [/^(\d{2})$/, 'lan'],
  [/^(\d{4})$/, 'kommun'],
  [/^(\d{4}[ABC]\d{4})_DeSO2025$/, 'deso2025'],
  [/^(\d{4}R\d{3})_RegSO2025$/, 'regso2025'],
  [/^(\d{4}[ABC]\d{4})$/, 'deso2018'],
  [/^(\d{4}R\d{3})$/, 'regso2020'],
];

/** What an SCB region code stands for: an area, a pseudo-region, or nothing regiongraph knows. */
export type ScbRegion =
  | { kind: 'area'; areaId: string; code: string }
  | { kind: 'pseudo'; code: string; label: string }
  | { kind: 'unknown'; code: string };

/** SCB's code for an area in PxWeb tables (e.g. `0180`, `1480C2650_DeSO2025`); null for kinds SCB's tables do not use. */
export function scbRegionCode(areaId: string): string | null {
  const area = parseAreaId(areaId);
  if (area.id === COUNTRY_ID) return '00';
  if (area.kind === 'tatort2020' || area.kind === 'grid1km') return null;
  return area.code + (SUFFIXES[area.kind] ?? '');
}

/** The area an SCB region code stands for; 4-digit pseudo-regions are recognised so they never pass for a kommun. */
export function parseScbRegion(raw: string): ScbRegion {
  const code = raw.trim();
  if (code === '00') return { kind: 'area', areaId: COUNTRY_ID, code };
  if (Object.hasOwn(PSEUDO_REGIONS, code)) return { kind: 'pseudo', code, label: PSEUDO_REGIONS[code] };
  // v1 tables of 2020–2021 wrote RegSO as "RegSO" + kommun + serial.
  const oldRegso = /^RegSO(\d{4})(\d{3})$/.exec(code);
  if (oldRegso) return { kind: 'area', areaId: formatAreaId('regso2020', `${oldRegso[1]}R${oldRegso[2]}`), code };
  for (const [pattern, kind] of CODE_PATTERNS) {
    const match = pattern.exec(code);
    // The patterns are the area kinds' own code formats, so a match is a well-formed id.
    if (match) return { kind: 'area', areaId: `${kind}:${match[1]}`, code };
  }
  return { kind: 'unknown', code };
}


/** The area id for an SCB region code, or null for pseudo-regions and codes of no known division. */
export function areaIdForScbRegion(code: string): string | null {
  const region = parseScbRegion(code);
  return region.kind === 'area' ? region.areaId : null;
}

/** True when the area's division did not exist yet in the reference year, so a cell for it means "not existing". */
export function isBeforeVintage(areaId: string, year: number): boolean {
  const first = VINTAGE_FIRST_YEAR[parseAreaId(areaId).kind];
  return first !== undefined && year < first;
}
