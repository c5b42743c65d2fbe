// Where people go: job mass per DeSO, a doubly-constrained gravity model for commutes and a short-range one for other trips.
import type { FrameArea } from '../model.ts';
import type { SyntheticParameters } from './parameters.ts';
import { sampleCumulative } from './random.ts';
import { GridIndex } from './spatial.ts';

/** Sparse origin × destination weights in compressed rows: destinations of origin i are dest[start[i]..start[i+1]). */
export interface Kernel {
  start: Int32Array;
  dest: Int32Array;
  weight: Float32Array;
}

/** A destination choice model: per origin, row-local cumulative weights over the kernel's destinations. */
export interface DestinationModel {
  kernel: Kernel;
  cumulative: Float64Array;
}

/** The commute model: expected workers by home, jobs by work place and the balanced gravity flows between them. */
export interface CommuteModel extends DestinationModel {
  workers: Float64Array;
  jobs: Float64Array;
  /** Furness balancing factors: T_ij = originFactor_i · workers_i · destinationFactor_j · jobs_j · f(d_ij). */
  originFactor: Float64Array;
  destinationFactor: Float64Array;
}

/** Kernel over all pairs within reach(i) km, built with a grid index; weight(i, j, km) may return 0 to leave a pair out. */
export function buildKernel(
  frame: FrameArea[],
  radii: Float64Array,
  reachKm: (i: number) => number,
  weight: (i: number, j: number, km: number) => number,
): Kernel {
  const index = new GridIndex(
    frame.map((a) => a.x),
    frame.map((a) => a.y),
    10000,
  );
  const found = new Int32Array(frame.length);
  const distance2 = new Float64Array(frame.length);
  // A first pass sizes the arrays, so millions of pairs are written once without regrowing.
  let capacity = 0;
  for (let i = 0; i < frame.length; i++) capacity += index.collect(frame[i].x, frame[i].y, reachKm(i) * 1000, found, distance2);
  const start = new Int32Array(frame.length + 1);
  const dest = new Int32Array(capacity);
  const values = new Float32Array(capacity);
  let size = 0;
  for (let i = 0; i < frame.length; i++) {
    // The grid visits buckets in a fixed order, so each row's order (and every sum over it) is reproducible.
    const count = index.collect(frame[i].x, frame[i].y, reachKm(i) * 1000, found, distance2);
    for (let k = 0; k < count; k++) {
      const j = found[k];
      const w = weight(i, j, i === j ? (0.9 * radii[i]) / 1000 : Math.sqrt(distance2[k]) / 1000);
      if (!(w > 0)) continue;
      dest[size] = j;
      values[size++] = w;
    }
    start[i + 1] = size;
  }
  return size === capacity ? { start, dest, weight: values } : { start, dest: dest.slice(0, size), weight: values.slice(0, size) };
}

/** Row-local cumulative sums of `scale(entry)·weight`, for sampling a destination per origin. */
function rowCumulative(kernel: Kernel, scale: (entry: number) => number): Float64Array {
  const cumulative = new Float64Array(kernel.dest.length);
  for (let i = 0; i + 1 < kernel.start.length; i++) {
    let sum = 0;
    for (let e = kernel.start[i]; e < kernel.start[i + 1]; e++) {
      sum += scale(e) * kernel.weight[e];
      cumulative[e] = sum;
    }
  }
  return cumulative;
}

/** A destination for origin i from uniform u; the origin itself when its row is empty. */
export function sampleDestination(model: DestinationModel, origin: number, u: number): number {
  const from = model.kernel.start[origin];
  const to = model.kernel.start[origin + 1];
  if (to === from || model.cumulative[to - 1] <= 0) return origin;
  return model.kernel.dest[sampleCumulative(model.cumulative, from, to, u)];
}

/** Residents within `radius` metres of each DeSO (its own included): a density proxy for centrality. */
export function residentsNearby(frame: FrameArea[], radius: number): Float64Array {
  const index = new GridIndex(
    frame.map((a) => a.x),
    frame.map((a) => a.y),
    radius,
  );
  return Float64Array.from(frame, (area) => {
    let sum = 0;
    index.within(area.x, area.y, radius, (j) => (sum += frame[j].residents));
    return sum;
  });
}

/** Expected residents with a work place per DeSO (the origins O_i of the commute model). */
export function expectedWorkers(frame: FrameArea[], parameters: SyntheticParameters): Float64Array {
  return Float64Array.from(frame, (area) => area.residents * parameters.employmentRate[area.omradestyp]);
}

/**
 * Jobs per DeSO (D_j), summing to the expected workers. A DeSO's job weight is category weight × områdestyp weight ×
 * (residents within densityRadius)^jobDensityExponent, and its jobs are its workers × its weight over the
 * worker-weighted mean weight within jobMarketRadius: each local labour market has about as many jobs as workers,
 * gathered in its centres, dense places and type-4 areas, away from type-1 and type-5 suburbs (T4's signs).
 */
export function jobMass(frame: FrameArea[], parameters: SyntheticParameters, workers: Float64Array): Float64Array {
  const density = residentsNearby(frame, parameters.densityRadius);
  const weight = Float64Array.from(
    frame,
    (area, i) =>
      parameters.jobCategoryWeight[area.category] *
      parameters.jobTypeWeight[area.omradestyp] *
      Math.pow(density[i] / 1e4, parameters.jobDensityExponent),
  );
  const index = new GridIndex(
    frame.map((a) => a.x),
    frame.map((a) => a.y),
    parameters.jobMarketRadius / 4,
  );
  const jobs = Float64Array.from(frame, (area, i) => {
    let weighted = 0;
    let count = 0;
    index.within(area.x, area.y, parameters.jobMarketRadius, (k) => {
      weighted += workers[k] * weight[k];
      count += workers[k];
    });
    return (workers[i] * weight[i] * count) / weighted;
  });
  const scale = workers.reduce((a, b) => a + b, 0) / jobs.reduce((a, b) => a + b, 0);
  return jobs.map((value) => value * scale);
}

/**
 * Scales jobs so that every group of DeSO linked by the kernel (Gotland is one) holds as many jobs as workers;
 * otherwise no balancing could satisfy both margins.
 */
function balanceComponents(kernel: Kernel, workers: Float64Array, jobs: Float64Array): void {
  const n = workers.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (let i = 0; i < n; i++) {
    for (let e = kernel.start[i]; e < kernel.start[i + 1]; e++) {
      const a = root(i);
      const b = root(kernel.dest[e]);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const workerSum = new Float64Array(n);
  const jobSum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    workerSum[root(i)] += workers[i];
    jobSum[root(i)] += jobs[i];
  }
  for (let i = 0; i < n; i++) jobs[i] *= workerSum[root(i)] / jobSum[root(i)];
}

/** Furness stops when less than this share of all jobs sits in the wrong kommun, or the error stops falling. */
const FURNESS_TOLERANCE = 0.01;
const MAX_FURNESS_ITERATIONS = 100;

/**
 * Doubly-constrained gravity over all DeSO pairs within commuteReachKm: T_ab = A_a O_a B_K(b) D_b f(d_ab), where f is
 * damped by commuteKommunBarrier across kommun borders (local labour markets follow them). Every DeSO sends exactly its
 * workers O_a; Furness balancing of B per kommun makes every kommun receive its jobs (until less than 1 % of all jobs
 * are misplaced, about 17 rounds), and within a kommun the jobs D_b weight the choice. Balancing kommuner rather than
 * single DeSO keeps the problem feasible under the distance cut: a remote DeSO's jobs cannot always be filled from
 * within reach, and per-DeSO balancing then never converges.
 */
export function buildCommuteModel(frame: FrameArea[], radii: Float64Array, parameters: SyntheticParameters): CommuteModel {
  const workers = expectedWorkers(frame, parameters);
  const jobs = jobMass(frame, parameters, workers);
  const { commuteDecayKm, commuteTailWeight, commuteTailDecayKm, commuteReachKm } = parameters;
  // Where few people live within commuteSparseRadius, people accept longer commutes: the first decay length stretches.
  const nearby = residentsNearby(frame, parameters.commuteSparseRadius);
  const decay = Float64Array.from(nearby, (people) =>
    commuteDecayKm * Math.min(parameters.commuteSparseStretch, Math.max(1, Math.sqrt(parameters.commuteSparsePopulation / people))),
  );
  // Tabulated (every 1/1000 decay length, and every 10 m): millions of pairs would otherwise cost two exp() calls each.
  const near = Float64Array.from({ length: Math.ceil((commuteReachKm / commuteDecayKm) * 1000) + 2 }, (_, k) => Math.exp(-k / 1000));
  const tail = Float64Array.from({ length: Math.ceil(commuteReachKm * 100) + 2 }, (_, k) => commuteTailWeight * Math.exp(-k / 100 / commuteTailDecayKm));
  const barrier = parameters.commuteKommunBarrier;
  const kernel = buildKernel(frame, radii, () => commuteReachKm, (i, j, km) => {
    const f = near[Math.round((km / decay[i]) * 1000)] + tail[Math.round(km * 100)];
    return frame[i].kommun === frame[j].kommun ? f : barrier * f;
  });
  balanceComponents(kernel, workers, jobs);
  const n = frame.length;
  const kommunIndex = new Map<string, number>();
  const group = Int32Array.from(frame, (area) => {
    if (!kommunIndex.has(area.kommun)) kommunIndex.set(area.kommun, kommunIndex.size);
    return kommunIndex.get(area.kommun) as number;
  });
  const groupJobs = new Float64Array(kommunIndex.size);
  for (let j = 0; j < n; j++) groupJobs[group[j]] += jobs[j];
  const totalJobs = groupJobs.reduce((sum, value) => sum + value, 0);
  const groupFactor = new Float64Array(kommunIndex.size).fill(1);
  const received = new Float64Array(kommunIndex.size);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const pull = new Float64Array(n);
  const { start, dest, weight } = kernel;
  let previous = Infinity;
  for (let iteration = 0; iteration < MAX_FURNESS_ITERATIONS; iteration++) {
    for (let j = 0; j < n; j++) pull[j] = groupFactor[group[j]] * jobs[j];
    received.fill(0);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let e = start[i]; e < start[i + 1]; e++) sum += pull[dest[e]] * weight[e];
      a[i] = sum > 0 ? 1 / sum : 0;
      const push = a[i] * workers[i];
      for (let e = start[i]; e < start[i + 1]; e++) received[group[dest[e]]] += push * jobs[dest[e]] * weight[e];
    }
    let misplaced = 0;
    for (let k = 0; k < groupFactor.length; k++) {
      if (!(received[k] > 0)) continue;
      misplaced += Math.abs(groupFactor[k] * received[k] - groupJobs[k]);
      groupFactor[k] = groupJobs[k] / received[k];
    }
    // A kommun whose jobs cannot all be reached stalls the error above the tolerance: stop when it no longer falls.
    if (misplaced / totalJobs < FURNESS_TOLERANCE || misplaced > 0.98 * previous) break;
    previous = misplaced;
  }
  for (let j = 0; j < n; j++) b[j] = groupFactor[group[j]];
  // The origin factors are recomputed with the final B so that every row sums to its workers exactly.
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let e = start[i]; e < start[i + 1]; e++) sum += b[dest[e]] * jobs[dest[e]] * weight[e];
    a[i] = sum > 0 ? 1 / sum : 0;
  }
  const cumulative = rowCumulative(kernel, (e) => b[dest[e]] * jobs[dest[e]]);
  return { kernel, cumulative, workers, jobs, originFactor: a, destinationFactor: b };
}

/**
 * Destinations of "other" trips from each DeSO: attraction (jobs, a bonus in municipal centres, and residents) times
 * exp(−d/λ), with λ = otherDecayFactor × the DeSO's radius within [otherDecayMinKm, otherDecayMaxKm]: short hops in
 * cities (median 2–3 km), longer in the countryside (about 10 km), as §4.4 asks.
 */
export function buildOtherModel(frame: FrameArea[], radii: Float64Array, jobs: Float64Array, parameters: SyntheticParameters): DestinationModel {
  const { otherDecayFactor, otherDecayMinKm, otherDecayMaxKm, otherCentreBonus, otherResidentWeight } = parameters;
  const scale = Float64Array.from(radii, (r) => Math.min(otherDecayMaxKm, Math.max(otherDecayMinKm, (otherDecayFactor * r) / 1000)));
  const attraction = Float64Array.from(
    frame,
    (area, j) => jobs[j] * (area.category === 'C' ? 1 + otherCentreBonus : 1) + otherResidentWeight * area.residents,
  );
  const kernel = buildKernel(
    frame,
    radii,
    // Beyond five decay lengths a destination keeps under 1 % of its weight.
    (i) => 5 * scale[i],
    (i, j, km) => attraction[j] * Math.exp(-km / scale[i]),
  );
  return { kernel, cumulative: rowCumulative(kernel, () => 1) };
}

/** Expected commuters between kommuner (full population), as a map "home>work" → persons, for the given home kommuner. */
export function kommunFlows(frame: FrameArea[], model: CommuteModel, kommuner: Set<string>): Map<string, number> {
  const { kernel, workers, jobs, originFactor, destinationFactor } = model;
  const flows = new Map<string, number>();
  for (let i = 0; i < frame.length; i++) {
    if (!kommuner.has(frame[i].kommun)) continue;
    for (let e = kernel.start[i]; e < kernel.start[i + 1]; e++) {
      const j = kernel.dest[e];
      const key = `${frame[i].kommun}>${frame[j].kommun}`;
      const flow = originFactor[i] * workers[i] * destinationFactor[j] * jobs[j] * kernel.weight[e];
      flows.set(key, (flows.get(key) ?? 0) + flow);
    }
  }
  return flows;
}
