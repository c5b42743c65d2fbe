// Signal events of the sampled devices from their diaries: Poisson and periodic events, handover hops, losses, duplicates.
import type { CellPlan, EventBatch, FrameArea } from '../model.ts';
import type { Calendar } from './calendar.ts';
import type { Diaries } from './diaries.ts';
import type { SyntheticParameters } from './parameters.ts';
import { Rng } from './random.ts';
import { GridIndex } from './spatial.ts';

/** How many of a cell's neighbours (nearest first) a handover hop picks from. */
const HOP_CANDIDATES = 3;
/** Stationary events are rarer from local midnight to this hour. */
const NIGHT_END_HOUR = 6;

/** The cell id serving each stay: the nearest of its own DeSO's cells, so the stay's area is the diary's. */
function servingCells(plan: CellPlan, frame: FrameArea[], diaries: Diaries): Uint32Array {
  const byArea: CellPlan['cells'][] = frame.map(() => []);
  for (const cell of plan.cells) byArea[cell.area].push(cell);
  return Uint32Array.from({ length: diaries.length }, (_, k) => {
    let best = -1;
    let bestD2 = Infinity;
    for (const cell of byArea[diaries.area[k]]) {
      const d2 = (cell.x - diaries.x[k]) ** 2 + (cell.y - diaries.y[k]) ** 2;
      if (d2 < bestD2) {
        best = cell.id;
        bestD2 = d2;
      }
    }
    if (best < 0) throw new Error(`no cell serves DeSO ${frame[diaries.area[k]].deso}`);
    return best;
  });
}

/**
 * The share of the way covered at time t of a move from t0 to t1: uniform, or for a flight (silent from flightStart to
 * flightEnd) `ground` of the way to the airport before take-off, the air between, the last `ground` after landing;
 * NaN while airborne, when phones are off or out of reach.
 */
function moveProfile(t0: number, t1: number, flightStart: number, flightEnd: number, ground: number): (t: number) => number {
  if (!(flightEnd > flightStart)) return (t) => (t - t0) / (t1 - t0);
  return (t) => {
    if (t < flightStart) return (ground * (t - t0)) / (flightStart - t0);
    if (t >= flightEnd) return 1 - ground + (ground * (t - flightEnd)) / (t1 - flightEnd);
    return NaN;
  };
}

/**
 * Events of every device, sorted by device and time (batch seconds, whole seconds). While a device stays, events come
 * as a Poisson process with the device's mean gap (stayEventGapMinutes, nightGapFactor times rarer before 06:00) on
 * the stay's serving cell, or with hopProbability on one of that cell's three nearest neighbours; while it moves, a
 * faster Poisson process (moveEventGapMinutes) on the cell nearest to its straight-line position, and none in the air. A
 * periodic location update runs throughout. Each event is lost with dropProbability and doubled with duplicateProbability.
 */
export function buildEvents(
  frame: FrameArea[],
  plan: CellPlan,
  diaries: Diaries,
  calendar: Calendar,
  parameters: SyntheticParameters,
  seed: number,
): EventBatch {
  const serving = servingCells(plan, frame, diaries);
  const cellIndex = new GridIndex(
    plan.cells.map((c) => c.x),
    plan.cells.map((c) => c.y),
    2000,
  );
  const devices = diaries.first.length - 1;
  let capacity = Math.max(1024, devices * calendar.days.length * 64);
  let deviceOut = new Uint32Array(capacity);
  let timeOut = new Uint32Array(capacity);
  let cellOut = new Uint32Array(capacity);
  let length = 0;
  const grow = () => {
    capacity *= 2;
    const copy = (array: Uint32Array) => {
      const next = new Uint32Array(capacity);
      next.set(array);
      return next;
    };
    deviceOut = copy(deviceOut);
    timeOut = copy(timeOut);
    cellOut = copy(cellOut);
  };
  const dayStarts = calendar.days.map((day) => day.start);
  /** Whether batch second t falls between local midnight and NIGHT_END_HOUR of a simulated day. */
  const isNight = (t: number): boolean => {
    let day = 0;
    while (day + 1 < dayStarts.length && dayStarts[day + 1] <= t) day++;
    return ((t - dayStarts[day]) / 3600) % 24 < NIGHT_END_HOUR;
  };
  const { dropProbability, duplicateProbability, hopProbability, nightGapFactor } = parameters;
  const airportShare = (metres: number) => Math.min(0.5, (parameters.airportAccessKm * 1000) / metres);
  /** Writes one event, twice with the duplicate probability (operators deliver some events twice). */
  const emit = (rng: Rng, device: number, time: number, cell: number) => {
    const copies = rng.bernoulli(duplicateProbability) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (length === capacity) grow();
      deviceOut[length] = device;
      timeOut[length] = Math.floor(time);
      cellOut[length++] = cell;
    }
  };

  for (let device = 0; device < devices; device++) {
    const rng = Rng.stream(seed, 'events', device);
    const stayGap = rng.uniform(parameters.stayEventGapMinutes[0], parameters.stayEventGapMinutes[1]) * 60;
    const moveGap = rng.uniform(parameters.moveEventGapMinutes[0], parameters.moveEventGapMinutes[1]) * 60;
    const updatePeriod = rng.uniform(parameters.locationUpdateHours[0], parameters.locationUpdateHours[1]) * 3600;
    const from = diaries.first[device];
    const to = diaries.first[device + 1];
    let nextUpdate = diaries.start[from] + rng.next() * updatePeriod;

    for (let k = from; k < to; k++) {
      // Stationary: the serving cell, or a hop to one of its nearest neighbours.
      const primary = serving[k];
      const neighbours = plan.neighbours[primary];
      const hop = hopProbability[frame[diaries.area[k]].category];
      const candidates = Math.min(HOP_CANDIDATES, neighbours.length);
      const stayEnd = diaries.end[k];
      const gapAt = (t: number) => (isNight(t) ? nightGapFactor * stayGap : stayGap);
      let next = diaries.start[k] + rng.exponential(gapAt(diaries.start[k]));
      for (;;) {
        const time = Math.min(next, nextUpdate);
        if (time >= stayEnd) break;
        if (time === nextUpdate) nextUpdate += updatePeriod;
        else next += rng.exponential(gapAt(next));
        if (rng.bernoulli(dropProbability)) continue;
        const cell = candidates > 0 && rng.bernoulli(hop) ? neighbours[rng.int(candidates)] : primary;
        emit(rng, device, time, cell);
      }
      if (k + 1 === to || diaries.start[k + 1] <= stayEnd) continue;
      // Moving in a straight line to the next stay: the cell nearest to the position.
      const t0 = stayEnd;
      const t1 = diaries.start[k + 1];
      const x0 = diaries.x[k];
      const y0 = diaries.y[k];
      const dx = diaries.x[k + 1] - x0;
      const dy = diaries.y[k + 1] - y0;
      const along = moveProfile(t0, t1, diaries.flightStart[k], diaries.flightEnd[k], airportShare(Math.hypot(dx, dy)));
      next = t0 + rng.exponential(moveGap);
      for (;;) {
        const time = Math.min(next, nextUpdate);
        if (time >= t1) break;
        if (time === nextUpdate) nextUpdate += updatePeriod;
        else next += rng.exponential(moveGap);
        const f = along(time);
        if (Number.isNaN(f) || rng.bernoulli(dropProbability)) continue;
        const cell = plan.cells[cellIndex.nearest(x0 + dx * f, y0 + dy * f)].id;
        emit(rng, device, time, cell);
      }
    }
  }
  return {
    epoch: calendar.epoch,
    device: deviceOut.slice(0, length),
    time: timeOut.slice(0, length),
    cell: cellOut.slice(0, length),
    length,
  };
}
