// The area frame a delivery is checked against and served on: DeSO 2018, RegSO 2020, kommun, län and the country.
import { indexAreas, type AreaRow } from '../build.ts';
import { loadFrame } from '../synthetic/frame.ts';
import type { AreaLookup } from './format.ts';

/** The frame's areas numbered as the synthetic source numbers them (the seed moves positions and residents, not ids). */
export function frameAreas(dataDir: string, seed: number): AreaRow[] {
  return indexAreas(loadFrame(dataDir, seed)).areas;
}

export function areaLookup(areas: readonly AreaRow[]): AreaLookup {
  return new Map(areas.map((area) => [area.id, area]));
}
