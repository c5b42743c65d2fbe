// Public types of the NYKO import: what goes in (files, options) and what comes out (areas, levels, issues, stats).
import type { MultiPolygon, Polygon, Position } from '../../../lib/geojson.ts';
import type { NykoIssueCode } from './issues.ts';

/** One file as uploaded: GeoJSON (.geojson/.json), a zipped shapefile (.zip) or a CSV code list (.csv). */
export interface NykoInput {
  fileName: string;
  bytes: Uint8Array;
}

/** Which property holds what; each is auto-detected from common names when not given (see `sources[].mapping`). */
export interface NykoFieldMapping {
  /** The NYKO code, e.g. `BASOMRÅDE`, `nyckelkod`, `do_kod`. */
  code?: string;
  /** The area's name, e.g. `NAMN`, `PRIMÄRNAMN`. */
  name?: string;
  /** The code of the area's parent at the next coarser level. */
  parent?: string;
  /** The level of each row, as a number (1 = coarsest) or a level name from `levels`. */
  level?: string;
}

/** A level of a scheme in a single file, coarse to fine. */
export interface NykoLevelSpec {
  /** e.g. `primärområde`, `basområde`. */
  name: string;
  /**
   * Code length of this level in a prefix-nested scheme (Göteborg: primärområde 3, basområde 5). A level whose
   * codes are absent from the file is derived from the prefixes of the finer codes, its geometry the union of theirs.
   */
  codeLength?: number;
}

/** Where an error ends and a warning begins; every size is in m² measured in SWEREF 99 TM. */
export interface NykoTolerances {
  /** An overlap between two areas of one level is an error only above this area… (default 100 m²). */
  overlapM2: number;
  /** …and above this share of the smaller area (default 0.01); smaller overlaps are digitising slivers: warnings. */
  overlapShare: number;
  /** Overlaps and gaps at or below this are rounding noise, only counted in stats (default 1 m²). */
  noiseM2: number;
  /** Gaps above this are listed one by one; smaller ones are summed in one warning (default 100 m²). */
  gapM2: number;
  /** Twisted lobes up to this size (all of one ring together) are cut off with a warning; larger ones are errors (default 100 m²). */
  repairM2: number;
  /**
   * An area with more than this share outside the kommun boundary (default 0.5) is an error when it also lies more
   * than outsideDistanceM from it, and so is a level with more than this share of its area outside.
   */
  outsideShare: number;
  /** Default 20,000 m: generalised kommun outlines (SCB's for maps) leave out islands several km offshore. */
  outsideDistanceM: number;
  /** An area with more than this many m² outside the boundary gets a warning (default 10,000 m²). */
  outsideM2: number;
  /** A child with less than this share of its area inside its parent is an error (default 0.5); with less than 0.99, a warning. */
  nestShare: number;
}

export type NykoPhase = 'read' | 'codes' | 'geometry' | 'hierarchy' | 'overlaps' | 'gaps' | 'boundary';

/** Options that hold for the whole import. */
export interface NykoCommonOptions {
  /** Kommun code, four digits, e.g. `1480` for Göteborg. */
  kommun: string;
  /** The kommun's outline in WGS84, for the outside-the-municipality check and the coverage figure. */
  kommunBoundary?: Polygon | MultiPolygon;
  tolerances?: Partial<NykoTolerances>;
  /** Called as work advances; `done` only grows and reaches `total` at the end. */
  onProgress?: (done: number, total: number, phase: NykoPhase) => void;
  /** Stops the import between steps (throws the signal's reason); nothing has been written at that point. */
  signal?: AbortSignal;
}

/** Options that belong to one file. */
export interface NykoFileOptions {
  /** The file's CRS when it does not say (`EPSG:3007`, `3007`, a URN); overrides what it says, with a warning. */
  crs?: string;
  mapping?: NykoFieldMapping;
  /** The shapefile to read when a zip holds several: its name, with or without `.shp`. */
  layer?: string;
  /** Digits every code of the file's (finest) level has; shorter numeric codes are padded with leading zeros. */
  codeWidth?: number;
  /** Pad codes of a level that lost leading zeros (stored as numbers, mixed lengths) to the longest length. */
  restoreLeadingZeros?: boolean;
}

export interface NykoImportOptions extends NykoCommonOptions, NykoFileOptions {
  /** The levels in the file, coarse to fine; without it, one level (or levels from the parent field's depth). */
  levels?: NykoLevelSpec[];
  /** Name of the single level when `levels` is not given (default guessed from the code field, e.g. `basområde`). */
  levelName?: string;
}

/** How the areas of a layer find their parents in the layer before it. */
export type NykoParentLink = 'field' | 'prefix' | 'spatial';

/** One file per level, listed coarse to fine (Göteborg: stadsområde, mellanområde, primärområde, basområde). */
export interface NykoLayerInput extends NykoFileOptions {
  /** The level's name, e.g. `basområde`. */
  level: string;
  input: NykoInput;
  /**
   * `field`: a property holds the parent's code (`mapping.parent`, or a property named like the parent layer's code
   * field); `prefix`: the parent's code starts the child's; `spatial`: the parent contains the child's interior point.
   * Default: the first of these that fits.
   */
  parentLink?: NykoParentLink | 'auto';
}

/** One NYKO area, ready to be stored. */
export interface NykoArea {
  /** The code as a string, leading zeros kept (restored when asked). */
  code: string;
  name: string | null;
  /** 1 for the coarsest level of the import. */
  level: number;
  levelName: string;
  /** Code of the parent at level - 1; null at level 1, whose parent is the kommun. */
  parentCode: string | null;
  /** RFC 7946 WGS84 geometry, repaired where the issues say so; null for a restpost or a code-list row. */
  geometry: MultiPolygon | null;
  /** Area in m², measured in SWEREF 99 TM; null without geometry. */
  areaM2: number | null;
  /** Which input it came from (index in the layer list; 0 for importNyko) and its feature index there; null when derived from codes. */
  source: number;
  feature: number | null;
  /** The feature's own properties, untouched. */
  properties: Record<string, unknown>;
}

export interface NykoLevel {
  level: number;
  name: string;
  count: number;
  /** Code length when all codes of the level have one. */
  codeLength: number | null;
  /** `features`: read from a file; `derived`: made from the codes of the level below (prefixes or parent values). */
  origin: 'features' | 'derived';
  /** How this level's areas were linked to their parents; null at level 1. */
  parentLink: NykoParentLink | null;
}

export type NykoSeverity = 'error' | 'warning';

/** One thing wrong with the input: `error` refuses the import, `warning` is reported and the import may go ahead. */
export interface NykoIssue {
  severity: NykoSeverity;
  code: NykoIssueCode;
  /** What is wrong, naming the feature and code. */
  message: string;
  /** How to fix it. */
  hint: string;
  /** The input (index in the layer list) and file it concerns. */
  source?: number;
  fileName?: string;
  level?: string;
  /** Index of the feature in its file (0-based; for CSV the data row, header excluded). */
  feature?: number;
  field?: string;
  value?: string;
  /** Other features involved: the first of a duplicate, the other of an overlap, the parent. */
  related?: { source: number; feature: number | null; code: string | null }[];
  /** Size of an overlap, gap, lobe or outside part. */
  areaM2?: number;
  /** Where it is, in WGS84 [longitude, latitude]. */
  position?: Position;
}

export interface NykoSourceInfo {
  fileName: string;
  /** null when the file could not be read. */
  format: 'geojson' | 'shapefile' | 'csv' | null;
  /** The shapefile read from a zip. */
  layer: string | null;
  /** `EPSG:n` the coordinates were read in; null without geometry or when it could not be known. */
  crs: string | null;
  crsFrom: 'crs member' | '.prj' | 'option' | 'coordinates' | null;
  /** Text encoding of the DBF or CSV. */
  encoding: string | null;
  /** The fields used, detected or given; null where none. */
  mapping: { code: string | null; name: string | null; parent: string | null; level: string | null };
  fields: string[];
  features: number;
}

export interface NykoStats {
  features: number;
  areas: number;
  withGeometry: number;
  /** Areas whose geometry was repaired (see GEOMETRY_REPAIRED warnings). */
  repaired: number;
  /** Per level: summed area, overlap and gap figures, in m². */
  levels: {
    name: string;
    areaM2: number;
    overlapPairs: number;
    overlapM2: number;
    gaps: number;
    gapM2: number;
    /** Share of the kommun boundary's area covered, when a boundary was given. */
    kommunCoverage: number | null;
  }[];
  timingsMs: Record<NykoPhase, number>;
}

export interface NykoParseResult {
  /** True when there is no error: the areas may be stored. */
  ok: boolean;
  kommun: string;
  /** Every area, coarse levels first, in file order within a level; empty when a file could not be read. */
  areas: NykoArea[];
  levels: NykoLevel[];
  /** The CRS the input was read in (`EPSG:4326`, `EPSG:3007` …), or the CRSs of the layers joined by ", "; null without geometry. */
  sourceCrs: string | null;
  sources: NykoSourceInfo[];
  /** Errors first, then warnings; each in input order. */
  issues: NykoIssue[];
  stats: NykoStats;
}
