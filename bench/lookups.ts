// Point lookups: a fixed set of points in the regions with DeSO geometry, answered in process and over HTTP.
import type { Position } from '../lib/geojson.ts';
import { createLogger } from '../lib/log.ts';
import { createGeoSource } from '../subgraphs/geo/source.ts';
import { runLoad, type LoadOptions, type LoadResult } from './http.ts';
import { benchConfig } from './stack.ts';
import { seededRandom } from './util.ts';

/** Approximate WGS84 boxes [minLon, minLat, maxLon, maxLat] of the regions whose DeSO polygons are shipped. */
export const REGIONS = [
  { name: 'Göteborgsregionen', bbox: [11.5, 57.3, 12.8, 58.1] },
  { name: 'Dalarna', bbox: [12.1, 60.0, 16.8, 62.3] },
  { name: 'Stockholms län', bbox: [17.2, 58.7, 19.4, 60.3] },
] as const;

export const POINT_SEED = 20240601;

/** `count` points, taking the regions in turn, uniformly within each box. */
export function benchPoints(count: number, seed = POINT_SEED): Position[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const [minLon, minLat, maxLon, maxLat] = REGIONS[i % REGIONS.length].bbox;
    const lon = minLon + random() * (maxLon - minLon);
    const lat = minLat + random() * (maxLat - minLat);
    return [Number(lon.toFixed(6)), Number(lat.toFixed(6))];
  });
}

export interface InProcessLookups {
  points: number;
  seconds: number;
  perSecond: number;
  meanAreas: number;
  /** Share of points inside at least one shipped polygon. */
  hitShare: number;
}

/** Every point once through `source.areasAt`, after a short warm-up on the first points. */
export function measureInProcess(storeDir: string, points: readonly Position[]): InProcessLookups {
  const source = createGeoSource(benchConfig(storeDir), createLogger('geo', 'warn'));
  try {
    for (const point of points.slice(0, 500)) source.areasAt(point);
    let found = 0;
    let hits = 0;
    const started = performance.now();
    for (const point of points) {
      const n = source.areasAt(point).length;
      found += n;
      if (n > 0) hits++;
    }
    const seconds = (performance.now() - started) / 1000;
    return { points: points.length, seconds, perSecond: points.length / seconds, meanAreas: found / points.length, hitShare: hits / points.length };
  } finally {
    source.close();
  }
}

export const AREAS_AT_QUERY = 'query AreasAt($p: [Float!]!) { areasAt(point: $p) { id } }';

export function lookupLoad(url: string, points: readonly Position[], settings: Pick<LoadOptions, 'concurrency' | 'warmupRequests' | 'maxRequests' | 'maxMs'>): Promise<LoadResult> {
  return runLoad({ url, ...settings, request: (i) => ({ query: AREAS_AT_QUERY, variables: { p: points[i % points.length] } }) });
}
