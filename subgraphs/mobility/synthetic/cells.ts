// The synthetic radio network: cells scattered in each DeSO (dense where people live close), and their handover neighbours.
import type { CellPlan, FrameArea } from '../model.ts';
import { Rng } from './random.ts';
import { GridIndex } from './spatial.ts';

/** Residents per cell by DeSO category: small urban cells in centres, large rural ones (Telia: 500 m squares vs ≥ 1 km²). */
export const RESIDENTS_PER_CELL = { A: 1800, B: 900, C: 400 } as const;
/** Cells of the same DeSO closer than this hand over to each other. */
const SAME_AREA_NEIGHBOUR_METRES = 1000;
/** How many cells of other DeSOs count as neighbours of a cell, at most. */
const OTHER_AREA_NEIGHBOURS = 3;

/**
 * Radius of each DeSO's built-up area in metres: half the mean distance to its three nearest DeSO, within 150 m–8 km.
 * Cells, homes, work places and other stops are scattered this far around the DeSO position.
 */
export function areaRadii(frame: FrameArea[]): Float64Array {
  const xs = frame.map((a) => a.x);
  const ys = frame.map((a) => a.y);
  const index = new GridIndex(xs, ys, 5000);
  const radii = new Float64Array(frame.length);
  frame.forEach((area, i) => {
    let distances: number[] = [];
    for (let reach = 2000; distances.length < 3 && reach < 2e6; reach *= 2) {
      distances = [];
      index.within(area.x, area.y, reach, (j, d2) => {
        if (j !== i) distances.push(Math.sqrt(d2));
      });
    }
    distances.sort((a, b) => a - b);
    const nearest = distances.slice(0, 3);
    const mean = nearest.reduce((a, b) => a + b, 0) / Math.max(1, nearest.length);
    radii[i] = Math.min(8000, Math.max(150, mean / 2));
  });
  return radii;
}

/** Distance within which cells of other DeSOs can be neighbours: shrinks with the DeSO's radius in dense areas. */
function otherAreaReach(radius: number): number {
  return Math.min(6000, Math.max(500, 3 * radius));
}

/**
 * Cells per DeSO ∝ residents (RESIDENTS_PER_CELL), uniform in the DeSO's disc (areaRadii). A cell's neighbours are the other
 * cells of its DeSO within 1 km and the nearest three cells of other DeSOs within otherAreaReach; the relation is made
 * symmetric and each list is sorted nearest first, so a handover hop can take the first few.
 */
export function buildCellPlan(frame: FrameArea[], seed: number, radii: Float64Array = areaRadii(frame)): CellPlan {
  const cells: CellPlan['cells'] = [];
  frame.forEach((area, i) => {
    const rng = Rng.stream(seed, 'cells', i);
    const count = Math.max(1, Math.round(area.residents / RESIDENTS_PER_CELL[area.category]));
    for (let k = 0; k < count; k++) {
      const [x, y] = rng.inDisc(area.x, area.y, radii[i]);
      cells.push({ id: cells.length, area: i, x: Math.round(x), y: Math.round(y) });
    }
  });
  const index = new GridIndex(
    cells.map((c) => c.x),
    cells.map((c) => c.y),
    1000,
  );
  const sets = cells.map(() => new Set<number>());
  for (const cell of cells) {
    const reach = otherAreaReach(radii[cell.area]);
    const others: [number, number][] = [];
    index.within(cell.x, cell.y, Math.max(reach, SAME_AREA_NEIGHBOUR_METRES), (j, d2) => {
      if (j === cell.id) return;
      if (cells[j].area === cell.area) {
        if (d2 <= SAME_AREA_NEIGHBOUR_METRES ** 2) sets[cell.id].add(j);
      } else if (d2 <= reach * reach) others.push([j, d2]);
    });
    others.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    for (const [j] of others.slice(0, OTHER_AREA_NEIGHBOURS)) {
      sets[cell.id].add(j);
      sets[j].add(cell.id);
    }
  }
  const distance2 = (a: number, b: number) => (cells[a].x - cells[b].x) ** 2 + (cells[a].y - cells[b].y) ** 2;
  const neighbours = sets.map((set, id) => [...set].sort((a, b) => distance2(id, a) - distance2(id, b) || a - b));
  return { cells, neighbours };
}
