// Mobile-network pipeline throughput: a seeded week of commuter-like event traces, runPipeline timed alone on one thread.
import { pathToFileURL } from 'node:url';
import type { CellPlan, EventBatch } from '../subgraphs/mobility/model.ts';
import { runPipeline } from '../subgraphs/mobility/pipeline/index.ts';
import { generateSynthetic } from '../subgraphs/mobility/synthetic/generate.ts';
import { median, seededRandom } from './util.ts';

export interface PipelineFigures {
  events: number;
  devices: number;
  cells: number;
  activities: number;
  trips: number;
  /** Median seconds of runPipeline over `runs`. */
  seconds: number;
  eventsPerSecond: number;
  runs: number[];
  generateSeconds: number;
}

const GRID = 100;
/** Grid spacing and origin in metres. */
export const SPACING = 1000;
export const GRID_X0 = 600_000;
export const GRID_Y0 = 6_500_000;
const BLOCK = 2;
const DAYS = 7;
const DAY = 86_400;
const MINUTE = 60;

/**
 * A size × size square of cells SPACING metres apart from a SWEREF 99 TM-like origin, with 8-neighbour handover and
 * areas of block × block cells; shared with the pipeline's tests.
 */
export function gridPlan(size: number, block: number): { plan: CellPlan; areaCount: number } {
  const cells: CellPlan['cells'] = [];
  const neighbours: number[][] = [];
  const blocksPerRow = Math.ceil(size / block);
  for (let gy = 0; gy < size; gy++) {
    for (let gx = 0; gx < size; gx++) {
      cells.push({ id: gy * size + gx, area: Math.floor(gy / block) * blocksPerRow + Math.floor(gx / block), x: GRID_X0 + gx * SPACING, y: GRID_Y0 + gy * SPACING });
      const list: number[] = [];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = gx + dx;
          const ny = gy + dy;
          if ((dx || dy) && nx >= 0 && ny >= 0 && nx < size && ny < size) list.push(ny * size + nx);
        }
      }
      neighbours.push(list);
    }
  }
  return { plan: { cells, neighbours }, areaCount: blocksPerRow * blocksPerRow };
}

/** Growable event columns. */
class Events {
  device = new Uint32Array(1 << 20);
  time = new Uint32Array(1 << 20);
  cell = new Uint32Array(1 << 20);
  length = 0;

  push(device: number, time: number, cell: number): void {
    if (this.length === this.device.length) {
      const grow = (a: Uint32Array) => {
        const next = new Uint32Array(a.length * 2);
        next.set(a);
        return next;
      };
      this.device = grow(this.device);
      this.time = grow(this.time);
      this.cell = grow(this.cell);
    }
    this.device[this.length] = device;
    this.time[this.length] = time;
    this.cell[this.length] = cell;
    this.length++;
  }
}

/**
 * About `targetEvents` events: devices with a home, most with a work place 2–15 km away on weekdays and evening stops,
 * Poisson events (20–40 min apart while staying, 5–20 min while moving at 8–15 m/s), handover hops to one of the two
 * next nearest cells, 2 % dropped and 0.5 % duplicated.
 */
export function syntheticBatch(targetEvents: number, seed = 20221107): { batch: EventBatch; plan: CellPlan } {
  const rand = seededRandom(seed);
  const { plan } = gridPlan(GRID, BLOCK);
  const out = new Events();
  const inGrid = (v: number) => Math.min((GRID - 1) * SPACING, Math.max(0, v));
  const cellOf = (x: number, y: number): number => {
    const fx = x / SPACING;
    const fy = y / SPACING;
    const gx = Math.round(fx);
    const gy = Math.round(fy);
    if (rand() >= 0.2) return gy * GRID + gx;
    // The two next nearest cells are the neighbours towards the position along each axis.
    const sx = fx >= gx ? 1 : -1;
    const sy = fy >= gy ? 1 : -1;
    const hx = Math.min(GRID - 1, Math.max(0, gx + sx));
    const hy = Math.min(GRID - 1, Math.max(0, gy + sy));
    return rand() < 0.5 ? gy * GRID + hx : hy * GRID + gx;
  };
  const place = (x: number, y: number, within: number): [number, number] => {
    const angle = rand() * 2 * Math.PI;
    const r = within * Math.sqrt(rand());
    return [inGrid(x + r * Math.cos(angle)), inGrid(y + r * Math.sin(angle))];
  };

  let device = 0;
  while (out.length < targetEvents) {
    const stayGap = (20 + 20 * rand()) * MINUTE;
    const moveGap = (5 + 15 * rand()) * MINUTE;
    const speed = 8 + 7 * rand();
    const home: [number, number] = [rand() * (GRID - 1) * SPACING, rand() * (GRID - 1) * SPACING];
    const work = rand() < 0.7 ? place(home[0], home[1], 15_000) : null;
    // The diary: stays as [x, y, start, end]; moves fill the time between them.
    const stays: [number, number, number, number][] = [];
    let t = 0;
    const stay = (at: [number, number], until: number) => {
      const last = stays[stays.length - 1];
      if (last) t += Math.hypot(at[0] - last[0], at[1] - last[1]) / speed;
      if (until > t) stays.push([at[0], at[1], t, until]);
      t = Math.max(t, until);
    };
    for (let day = 0; day < DAYS; day++) {
      const midnight = day * DAY;
      if (work && day < 5) {
        stay(home, midnight + (6.5 + 2 * rand()) * 3600);
        stay(work, midnight + (15.5 + 2.5 * rand()) * 3600);
      }
      for (let stops = Math.floor(rand() * 3); stops > 0; stops--) {
        stay(place(home[0], home[1], 5000), t + (15 + 120 * rand()) * MINUTE);
      }
      stay(home, midnight + DAY);
    }
    let k = 0;
    for (let time = stays[0][2]; time < DAYS * DAY; ) {
      while (k + 1 < stays.length && stays[k][3] < time) k++;
      const [x, y, start] = stays[k];
      const stationary = time >= start;
      let px = x;
      let py = y;
      if (!stationary) {
        const [x0, y0, , end0] = stays[k - 1];
        const f = (time - end0) / (start - end0);
        px = x0 + f * (x - x0);
        py = y0 + f * (y - y0);
      }
      if (rand() >= 0.02) {
        const cell = cellOf(px, py);
        out.push(device, Math.floor(time), cell);
        if (rand() < 0.005) out.push(device, Math.floor(time), cell);
      }
      time += 1 - Math.log(1 - rand()) * (stationary ? stayGap : moveGap);
    }
    device++;
  }
  const n = out.length;
  const batch: EventBatch = { epoch: '2022-11-07T00:00:00+01:00', device: out.device.subarray(0, n), time: out.time.subarray(0, n), cell: out.cell.subarray(0, n), length: n };
  return { batch, plan };
}

/** Builds about `targetEvents` events and times runPipeline over them `runs` times on this thread; reports the median. */
export async function measurePipeline(targetEvents = 5_000_000, runs = 3): Promise<PipelineFigures> {
  const generateStart = performance.now();
  const { batch, plan } = syntheticBatch(targetEvents);
  const generateSeconds = (performance.now() - generateStart) / 1000;
  const times: number[] = [];
  let result: ReturnType<typeof runPipeline> | undefined;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    result = runPipeline(batch, plan);
    times.push((performance.now() - started) / 1000);
    // Lets other work (and the collector) run between runs, as the bench harness is async.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = median(times);
  return {
    events: batch.length,
    devices: result!.stats.devices,
    cells: plan.cells.length,
    activities: result!.activities.length,
    trips: result!.trips.length,
    seconds,
    eventsPerSecond: batch.length / seconds,
    runs: times,
    generateSeconds,
  };
}

// Run directly (`npx tsx bench/mobility.ts`) to print the figures.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void measurePipeline().then((figures) => console.log(JSON.stringify(figures, null, 2)));
}

/** The default synthetic data set on the real frame: generation and pipeline timed apart, at the configured scale. */
export interface DefaultDatasetFigures {
  sampleShare: number;
  devices: number;
  events: number;
  activities: number;
  trips: number;
  generateSeconds: number;
  pipelineSeconds: number;
  eventsPerSecond: number;
}

export function measureDefaultDataset(dataDir: string, seed: number, sampleShare: number, dates: string[]): DefaultDatasetFigures {
  const started = performance.now();
  const generated = generateSynthetic({ dataDir, seed, sampleShare, dates });
  const generateSeconds = (performance.now() - started) / 1000;
  const piped = performance.now();
  const result = runPipeline(generated.events, generated.plan, generated.frame.length);
  const pipelineSeconds = (performance.now() - piped) / 1000;
  return {
    sampleShare,
    devices: result.stats.devices,
    events: result.stats.events,
    activities: result.activities.length,
    trips: result.trips.length,
    generateSeconds,
    pipelineSeconds,
    eventsPerSecond: result.stats.events / pipelineSeconds,
  };
}
