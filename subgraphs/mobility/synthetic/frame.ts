// The generator's area frame: all 5,984 DeSO 2018 with real keys and types, synthetic residents and plausible positions.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EPSG_SWEREF99TM, EPSG_WGS84, wgs84ToSweref99tm } from '../../../lib/crs.ts';
import { readCsv } from '../../../lib/csv.ts';
import { groupIndexes } from '../../../lib/group.ts';
import { bboxOf, planarCentroid, pointInGeometry, reproject, type BBox, type Geometry, type Position } from '../../../lib/geojson.ts';
import type { FrameArea, Omradestyp } from '../model.ts';
import { hashString, Rng } from './random.ts';

/** Input files under the data folder; data/SOURCES.md gives their origin. */
export const FRAME_FILES = {
  areas: 'mobility/deso2018_regso2020_omradestyp2022.csv',
  population: 'scb/folkmangd_kommun_1950-2020.csv',
  desoStockholm: 'geo/deso_2018_stockholms_lan_simplified.wgs84.geojson',
  kommuner: 'geo/kommuner_scb_generalized_2024.wgs84.geojson',
  tatorter: 'geo/tatorter_2020_points.wgs84.geojson',
  desoPopulationDalarna: 'scb/folkmangd_deso2025_2024_dalarna_pxweb_TAB6574.csv',
} as const;

/** The kommun totals are SCB's folkmängd on 31 December of this year, the latest in the shipped table. */
export const POPULATION_YEAR = 2020;

/** DeSO had 700–2,700 residents when SCB drew them (2018); drawn sizes stay in that band before scaling to the kommun. */
const DESO_SIZE_MIN = 700;
const DESO_SIZE_MAX = 2700;
/** Median drawn size by category: centres hold the larger DeSO. */
const DESO_SIZE_MEDIAN = { A: 1450, B: 1550, C: 1750 } as const;
const DESO_SIZE_SIGMA = 0.28;
/** Length scale of how far from a tätort rural (A) DeSO are placed. */
const A_AREA_SPREAD_METRES = 5000;

interface Feature {
  properties: Record<string, unknown>;
  geometry: Geometry;
}

interface Tatort {
  x: number;
  y: number;
  population: number;
  /** Radius of a disc with the tätort's land area, metres. */
  radius: number;
}

function readFeatures(file: string): Feature[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { features: Feature[] }).features;
}

/** Splits `total` over items in proportion to weights, rounding by largest remainder so the parts sum to it exactly. */
export function largestRemainder(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const quotas = weights.map((w) => (total * w) / sum);
  const parts = quotas.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = quotas.map((_, i) => i).sort((a, b) => quotas[b] - Math.floor(quotas[b]) - (quotas[a] - Math.floor(quotas[a])) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) parts[order[k]]++;
  return parts;
}

/** Kommun code → folkmängd in POPULATION_YEAR. */
function kommunTotals(dataDir: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const row of readCsv(path.join(dataDir, FRAME_FILES.population))) {
    if (Number(row.ar) === POPULATION_YEAR) totals.set(row.kommunkod, Number(row.folkmangd));
  }
  return totals;
}

/** A point accepted by `accept`, by rejection from `propose`; after `tries` misses the fallback is used. */
function placeWhere(accept: (point: Position) => boolean, tries: number, propose: () => Position, fallback: Position): Position {
  for (let i = 0; i < tries; i++) {
    const point = propose();
    if (accept(point)) return point;
  }
  return fallback;
}

/**
 * All DeSO 2018, in code order. Residents per DeSO are drawn sizes scaled to the kommun's real folkmängd of POPULATION_YEAR
 * (sums per kommun are exact). Positions (SWEREF 99 TM): the centroid of the real polygon in Stockholms län; elsewhere drawn
 * inside the real kommun polygon around the real tätort points: C near the largest tätort, B near the others, A outside both,
 * with the C and B DeSO of one RegSO close together.
 */
export function loadFrame(dataDir: string, seed: number): FrameArea[] {
  const rows = readCsv(path.join(dataDir, FRAME_FILES.areas)).sort((a, b) => (a.deso_2018 < b.deso_2018 ? -1 : 1));
  const totals = kommunTotals(dataDir);

  const stockholmCentroids = new Map<string, Position>();
  for (const feature of readFeatures(path.join(dataDir, FRAME_FILES.desoStockholm))) {
    stockholmCentroids.set(String(feature.properties.id), planarCentroid(reproject(feature.geometry, EPSG_WGS84, EPSG_SWEREF99TM)));
  }
  const kommunGeometry = new Map<string, { geometry: Geometry; bbox: BBox }>();
  for (const feature of readFeatures(path.join(dataDir, FRAME_FILES.kommuner))) {
    const geometry = reproject(feature.geometry, EPSG_WGS84, EPSG_SWEREF99TM);
    kommunGeometry.set(String(feature.properties.kommunkod), { geometry, bbox: bboxOf(geometry) });
  }
  const tatorter = new Map<string, Tatort[]>();
  for (const feature of readFeatures(path.join(dataDir, FRAME_FILES.tatorter))) {
    if (feature.geometry.type !== 'Point') continue;
    const [x, y] = wgs84ToSweref99tm(feature.geometry.coordinates);
    const kommun = String(feature.properties.kommunkod);
    const list = tatorter.get(kommun) ?? [];
    const areaHa = Number(feature.properties.area_ha) || 50;
    list.push({ x, y, population: Number(feature.properties.bef), radius: Math.sqrt((areaHa * 1e4) / Math.PI) });
    tatorter.set(kommun, list);
  }
  // Largest first, ties by position, so "the kommun's largest tätort" is well defined.
  for (const list of tatorter.values()) list.sort((a, b) => b.population - a.population || a.x - b.x || a.y - b.y);

  const areas: FrameArea[] = rows.map((row) => ({
    deso: row.deso_2018,
    regso: row.regso_2020_code,
    kommun: row.kommun_code,
    lan: row.kommun_code.slice(0, 2),
    omradestyp: Number(row.omradestyp_2022) as Omradestyp,
    category: row.deso_2018[4] as FrameArea['category'],
    residents: 0,
    x: 0,
    y: 0,
  }));

  const realPopulation = new Map<string, number>();
  for (const row of readCsv(path.join(dataDir, FRAME_FILES.desoPopulationDalarna))) {
    if (row.Alder === 'totalt' && row.Kon === '1+2') realPopulation.set(row.Region.replace(/_DeSO2025$/, ''), Number(row['000007Y7 2024']));
  }
  const byKommun = groupIndexes(areas, (area) => area.kommun);
  for (const [kommun, members] of byKommun) {
    const total = totals.get(kommun);
    if (total === undefined) throw new Error(`${FRAME_FILES.population}: no ${POPULATION_YEAR} folkmängd for kommun ${kommun}`);
    const drawn = members.map((i) => {
      // A real DeSO population, where shipped (Dalarna, 2024; an unchanged code means the same DeSO), weighs as it is.
      const real = realPopulation.get(areas[i].deso);
      if (real !== undefined) return real;
      const rng = Rng.stream(seed, 'frame-size', i);
      const median = DESO_SIZE_MEDIAN[areas[i].category];
      return Math.min(DESO_SIZE_MAX, Math.max(DESO_SIZE_MIN, rng.lognormal(median, DESO_SIZE_SIGMA)));
    });
    largestRemainder(total, drawn).forEach((residents, k) => (areas[members[k]].residents = residents));
  }

  // DeSO of one RegSO are neighbours: C and B DeSO gather around a point drawn once per RegSO and category.
  const centralCount = new Map<string, number>();
  for (const area of areas) if (area.category === 'C') centralCount.set(area.kommun, (centralCount.get(area.kommun) ?? 0) + 1);
  for (const [key, members] of groupIndexes(areas, (area) => `${area.regso}${area.category}`)) {
    const first = areas[members[0]];
    const kommun = kommunGeometry.get(first.kommun);
    const places = tatorter.get(first.kommun) ?? [];
    let anchor: { x: number; y: number; spread: number } | undefined;
    for (const i of members) {
      const area = areas[i];
      let position = stockholmCentroids.get(area.deso);
      if (!position) {
        const rng = Rng.stream(seed, 'frame-position', i);
        if (area.category === 'A') position = ruralPosition(area, rng, kommun, places);
        else {
          anchor ??= neighbourhood(area.category, members.length, Rng.stream(seed, 'frame-neighbourhood', hashString(key)), kommun, places, centralCount.get(area.kommun) ?? 1);
          const { x, y, spread } = anchor;
          position = placeWhere(insideOf(kommun), 100, () => rng.inDisc(x, y, spread), [x, y]);
        }
      }
      area.x = Math.round(position[0]);
      area.y = Math.round(position[1]);
    }
  }
  return areas;
}

type KommunShape = { geometry: Geometry; bbox: BBox } | undefined;

function insideOf(kommun: KommunShape): (point: Position) => boolean {
  return (point) => !kommun || pointInGeometry(point, kommun.geometry);
}

/** A point around a tätort: radius between inner and outer, crowded towards the middle as population density is. */
function around(rng: Rng, place: Tatort, inner: number, outer: number): () => Position {
  return () => {
    const r = inner + (outer - inner) * Math.pow(rng.next(), 0.75);
    const angle = 2 * Math.PI * rng.next();
    return [place.x + r * Math.cos(angle), place.y + r * Math.sin(angle)];
  };
}

/**
 * Where the C or B DeSO of one RegSO gather, and how far they spread: C around a point of the kommun's largest tätort
 * (spread: the tätort's radius shared among its C DeSO), B around a point of another tätort drawn by population.
 */
function neighbourhood(
  category: 'B' | 'C',
  members: number,
  rng: Rng,
  kommun: KommunShape,
  places: Tatort[],
  centralCount: number,
): { x: number; y: number; spread: number } {
  const main = places[0];
  if (!main) {
    // Only Stockholms län has kommuner without a tätort point, and its DeSO have real polygons.
    const [x, y] = kommun ? planarCentroid(kommun.geometry) : [0, 0];
    return { x, y, spread: 1000 };
  }
  const inside = insideOf(kommun);
  if (category === 'C') {
    const [x, y] = placeWhere(inside, 100, around(rng, main, 0, main.radius), [main.x, main.y]);
    return { x, y, spread: (main.radius / Math.sqrt(centralCount)) * Math.sqrt(members) };
  }
  const others = places.slice(1);
  if (others.length === 0) {
    const [x, y] = placeWhere(inside, 100, around(rng, main, main.radius, 2 * main.radius + 1000), [main.x, main.y]);
    return { x, y, spread: 1000 * Math.sqrt(members) };
  }
  let target = rng.next() * others.reduce((sum, place) => sum + place.population, 0);
  const place = others.find((candidate) => (target -= candidate.population) < 0) ?? others[others.length - 1];
  const reach = Math.max(place.radius, 1000);
  const [x, y] = placeWhere(inside, 100, around(rng, place, 0, reach), [place.x, place.y]);
  return { x, y, spread: reach * Math.sqrt(members) };
}

/**
 * An A DeSO: outside the central tätort, and like rural people mostly along the roads between tätorter: proposals
 * uniform in the kommun are kept with probability exp(−distance to the nearest tätort / A_AREA_SPREAD_METRES).
 */
function ruralPosition(area: FrameArea, rng: Rng, kommun: KommunShape, places: Tatort[]): Position {
  const inside = insideOf(kommun);
  const main = places[0];
  if (!kommun) {
    if (!main) throw new Error(`No kommun polygon and no tätort for ${area.deso}`);
    return around(rng, main, main.radius, 2 * main.radius + 2000)();
  }
  const [x0, y0, x1, y1] = kommun.bbox;
  const propose = (): Position => [rng.uniform(x0, x1), rng.uniform(y0, y1)];
  if (!main) return placeWhere(inside, 1000, propose, planarCentroid(kommun.geometry));
  const acceptRural = (point: Position) => {
    if (Math.hypot(point[0] - main.x, point[1] - main.y) <= main.radius || !inside(point)) return false;
    const nearest = Math.min(...places.map((place) => Math.hypot(point[0] - place.x, point[1] - place.y)));
    return rng.next() < Math.exp(-nearest / A_AREA_SPREAD_METRES);
  };
  return placeWhere(acceptRural, 5000, propose, around(rng, main, main.radius, 2 * main.radius + 2000)());
}
