// Area ids: `<kind>:<code>`, where the kind carries the vintage because SCB reuses codes across vintages (docs/ids.md).
import { badUserInput } from './errors.ts';

/** Levels of the area hierarchy, coarse to fine; the enum `AreaLevel` in the geo schema mirrors it. */
export const AREA_LEVELS = ['COUNTRY', 'LAN', 'KOMMUN', 'REGSO', 'DESO', 'TATORT', 'GRID1KM', 'NYKO'] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];

interface AreaKindSpec {
  level: AreaLevel;
  /** Year of the division the codes belong to; null where codes are not tied to one division. */
  vintage: number | null;
  pattern: RegExp;
  example: string;
}

/** Every id prefix, with its level, vintage and code format. */
export const AREA_KINDS = {
  country: { level: 'COUNTRY', vintage: null, pattern: /^SE$/, example: 'SE' },
  lan: { level: 'LAN', vintage: null, pattern: /^\d{2}$/, example: '14' },
  kommun: { level: 'KOMMUN', vintage: null, pattern: /^\d{4}$/, example: '1480' },
  regso2020: { level: 'REGSO', vintage: 2020, pattern: /^\d{4}R\d{3}$/, example: '0180R047' },
  regso2025: { level: 'REGSO', vintage: 2025, pattern: /^\d{4}R\d{3}$/, example: '1480R130' },
  deso2018: { level: 'DESO', vintage: 2018, pattern: /^\d{4}[ABC]\d{4}$/, example: '0180C4040' },
  deso2025: { level: 'DESO', vintage: 2025, pattern: /^\d{4}[ABC]\d{4}$/, example: '1480C2650' },
  tatort2020: { level: 'TATORT', vintage: 2020, pattern: /^\d{4}T[BC]\d{3}$/, example: '0114TB103' },
  grid1km: { level: 'GRID1KM', vintage: null, pattern: /^\d{3}000\d{4}000$/, example: '3520006860000' },
  // A municipality's own area: kommun/scheme/version/level/code (the code URI-encoded); see subgraphs/nyko/ids.ts.
  nyko: {
    level: 'NYKO',
    vintage: null,
    pattern: /^\d{4}\/[a-z0-9]+(?:-[a-z0-9]+)*\/[0-9A-Za-z](?:[0-9A-Za-z.-]*[0-9A-Za-z])?\/[a-z0-9]+(?:-[a-z0-9]+)*\/[^/\s]+$/,
    example: '1480/omraden/2024/basomrade/10101',
  },
} as const satisfies Record<string, AreaKindSpec>;

export type AreaKind = keyof typeof AREA_KINDS;

export interface AreaId {
  id: string;
  kind: AreaKind;
  level: AreaLevel;
  vintage: number | null;
  code: string;
}

/** SCB's rutid of the 1 km grid square holding a SWEREF 99 TM position: its lower-left corner, easting then northing. */
export function gridSquareCode(x: number, y: number): string {
  const e = Math.floor(x / 1000) * 1000;
  const n = Math.floor(y / 1000) * 1000;
  return `${String(e).padStart(6, '0')}${String(n).padStart(7, '0')}`;
}

/** The lower-left corner (SWEREF 99 TM metres) of a 1 km grid square from its rutid. */
export function gridSquareCorner(code: string): [number, number] {
  return [Number(code.slice(0, 6)), Number(code.slice(6))];
}

/** The id of the whole country, the root of every hierarchy. */
export const COUNTRY_ID = 'country:SE';

const KIND_NAMES = Object.keys(AREA_KINDS) as AreaKind[];

function isKind(kind: string): kind is AreaKind {
  return Object.hasOwn(AREA_KINDS, kind);
}

/** Builds an id from a kind and a code, checking the code's format. */
export function formatAreaId(kind: AreaKind, code: string): string {
  return parseAreaId(`${kind}:${code}`).id;
}

/** Parses an area id or throws BAD_USER_INPUT naming the expected format (with a "did you mean" where it can). */
export function parseAreaId(id: string): AreaId {
  const colon = id.indexOf(':');
  const kind = colon < 0 ? '' : id.slice(0, colon);
  const code = colon < 0 ? id : id.slice(colon + 1);
  if (!isKind(kind)) {
    const lower = kind.toLowerCase();
    const hint = isKind(lower) ? ` Did you mean "${lower}:${code}"?` : '';
    throw badUserInput(
      `"${id}" is not an area id: expected <kind>:<code> with kind one of ${KIND_NAMES.join(', ')}, ` +
        `e.g. "deso2025:1480C2650" or "kommun:1480".${hint}`,
      { argumentValue: id },
    );
  }
  const spec = AREA_KINDS[kind];
  if (!spec.pattern.test(code)) {
    const upper = code.toUpperCase();
    const hint = upper !== code && spec.pattern.test(upper) ? ` Did you mean "${kind}:${upper}"?` : '';
    throw badUserInput(
      `"${id}" is not a valid ${kind} id: expected an area id like "${kind}:${spec.example}".${hint}`,
      { argumentValue: id },
    );
  }
  return { id, kind, level: spec.level, vintage: spec.vintage, code };
}

/** True when the string is a well-formed area id. */
export function isAreaId(id: string): boolean {
  try {
    parseAreaId(id);
    return true;
  } catch {
    return false;
  }
}

/** The kommun code an area's code starts with, for the kinds whose codes embed it (all but country, län and grid squares). */
export function kommunCodeOf(area: AreaId): string | null {
  if (area.level === 'COUNTRY' || area.level === 'LAN' || area.level === 'GRID1KM') return null;
  return area.code.slice(0, 4);
}

/** The län code of an area, derived from its code, for every kind whose code embeds it. */
export function lanCodeOf(area: AreaId): string | null {
  if (area.level === 'LAN') return area.code;
  return kommunCodeOf(area)?.slice(0, 2) ?? null;
}
