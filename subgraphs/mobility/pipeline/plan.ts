// The cell plan as flat typed arrays (area, position, neighbours in CSR form), prepared once per plan object.
import type { CellPlan } from '../model.ts';

export interface PreparedPlan {
  /** Number of cell ids: every event's cell must be below it. */
  cellCount: number;
  /** Frame area of each cell id, -1 for an id with no cell. */
  area: Int32Array;
  x: Float64Array;
  y: Float64Array;
  /** Neighbours of cell c are neighbourIds[neighbourStart[c] .. neighbourStart[c + 1]). */
  neighbourStart: Uint32Array;
  neighbourIds: Uint32Array;
  /** One more than the largest area index of any cell. */
  areaCount: number;
}

const prepared = new WeakMap<CellPlan, PreparedPlan>();

/** The plan's typed-array form, checked: ids unique and in range, neighbours naming cells of the plan. */
export function preparePlan(plan: CellPlan): PreparedPlan {
  const cached = prepared.get(plan);
  if (cached) return cached;
  let cellCount = plan.neighbours.length;
  for (const cell of plan.cells) {
    if (!Number.isInteger(cell.id) || cell.id < 0) throw new Error(`cell plan: cell id ${cell.id} is not a non-negative integer`);
    cellCount = Math.max(cellCount, cell.id + 1);
  }
  const area = new Int32Array(cellCount).fill(-1);
  const x = new Float64Array(cellCount);
  const y = new Float64Array(cellCount);
  let areaCount = 0;
  for (const cell of plan.cells) {
    if (area[cell.id] !== -1) throw new Error(`cell plan: cell id ${cell.id} appears twice`);
    if (!Number.isInteger(cell.area) || cell.area < 0) throw new Error(`cell plan: cell ${cell.id} has area ${cell.area}`);
    area[cell.id] = cell.area;
    x[cell.id] = cell.x;
    y[cell.id] = cell.y;
    areaCount = Math.max(areaCount, cell.area + 1);
  }
  const neighbourStart = new Uint32Array(cellCount + 1);
  let total = 0;
  for (let c = 0; c < cellCount; c++) {
    neighbourStart[c] = total;
    total += plan.neighbours[c]?.length ?? 0;
  }
  neighbourStart[cellCount] = total;
  const neighbourIds = new Uint32Array(total);
  for (let c = 0; c < cellCount; c++) {
    const list = plan.neighbours[c] ?? [];
    for (let k = 0; k < list.length; k++) {
      const n = list[k];
      if (!(n >= 0 && n < cellCount) || area[n] === -1) throw new Error(`cell plan: neighbour ${n} of cell ${c} is not a cell of the plan`);
      neighbourIds[neighbourStart[c] + k] = n;
    }
  }
  const result: PreparedPlan = { cellCount, area, x, y, neighbourStart, neighbourIds, areaCount };
  prepared.set(plan, result);
  return result;
}
