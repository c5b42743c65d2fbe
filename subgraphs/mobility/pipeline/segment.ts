// SCB's 40-minute rule as continuous time segmentation (after Eurostat multimno): stays, moves and unknown gaps per device.
import { MIN_STAY_SECONDS, type CellPlan, type EventBatch } from '../model.ts';
import { preparePlan, type PreparedPlan } from './plan.ts';

/** Segment states, with multimno's codes. */
export const STAY = 1;
export const MOVE = 2;
export const UNKNOWN = 4;

export interface SegmentOptions {
  /** Longest silence between two events in the same or adjacent cells that still continues a stay (multimno: 12 h). */
  maxGapStaySeconds?: number;
  /** Longest silence between events in non-adjacent cells across which a move is inferred; longer is UNKNOWN (2 h). */
  maxGapMoveSeconds?: number;
  /** Shortest segment that is a stay, i.e. an activity (SCB: 40 min). */
  minStaySeconds?: number;
  /**
   * Which cells an event may be adjacent to and extend the segment, besides the cells already seen in it:
   * - 'mostSeen' (default): the segment's most-seen cell (ties: the earliest to reach the count), so a stay is the
   *   same-or-adjacent area of where the device mostly is, and cannot drift;
   * - 'anySeen': any cell seen in the segment, the literal reading, under which a walk or an approach through a chain
   *   of adjacent cells, one event per cell, grows into one segment and can make a stay of a move.
   */
  adjacentTo?: 'mostSeen' | 'anySeen';
}

export interface ResolvedSegmentOptions {
  maxGapStaySeconds: number;
  maxGapMoveSeconds: number;
  minStaySeconds: number;
  adjacentTo: 'mostSeen' | 'anySeen';
}

export function resolveSegmentOptions(options: SegmentOptions = {}): ResolvedSegmentOptions {
  const resolved = {
    maxGapStaySeconds: options.maxGapStaySeconds ?? 12 * 3600,
    maxGapMoveSeconds: options.maxGapMoveSeconds ?? 2 * 3600,
    minStaySeconds: options.minStaySeconds ?? MIN_STAY_SECONDS,
    adjacentTo: options.adjacentTo ?? 'mostSeen',
  };
  if (resolved.adjacentTo !== 'mostSeen' && resolved.adjacentTo !== 'anySeen') throw new Error(`adjacentTo must be 'mostSeen' or 'anySeen', got ${resolved.adjacentTo}`);
  for (const key of ['maxGapStaySeconds', 'maxGapMoveSeconds', 'minStaySeconds'] as const) {
    if (!(resolved[key] >= 0)) throw new Error(`${key} must be a non-negative number, got ${resolved[key]}`);
  }
  return resolved;
}

/** Events read, devices seen and exact duplicates dropped. */
export interface BatchStats {
  events: number;
  devices: number;
  dropped: number;
}

/**
 * Segments in columnar form, per device in time order. Stays in the same area with only moves between them are already
 * merged; UNKNOWN segments bridge silences too long to infer anything across, from the last event before to the next.
 */
export interface Segments {
  device: Uint32Array;
  /** STAY, MOVE or UNKNOWN. */
  state: Uint8Array;
  /** First and last event time, seconds since the epoch. */
  start: Uint32Array;
  end: Uint32Array;
  /** The cell seen most (ties: the first seen), -1 for UNKNOWN; of a merged stay, the more-seen of its parts' cells. */
  cell: Int32Array;
  /** Frame area of that cell, -1 for UNKNOWN. */
  area: Int32Array;
  /** Events in the segment (for a merged stay including the moves it absorbed). */
  events: Uint32Array;
  length: number;
  stats: BatchStats;
}

/** A growable columnar list of segments, reused across devices by the pipeline. */
export class SegmentBuffer {
  device: Uint32Array;
  state: Uint8Array;
  start: Uint32Array;
  end: Uint32Array;
  cell: Int32Array;
  area: Int32Array;
  /** Events in `cell`, to pick the cell of merged stays. */
  cellEvents: Uint32Array;
  events: Uint32Array;
  length = 0;

  constructor(capacity = 256) {
    this.device = new Uint32Array(capacity);
    this.state = new Uint8Array(capacity);
    this.start = new Uint32Array(capacity);
    this.end = new Uint32Array(capacity);
    this.cell = new Int32Array(capacity);
    this.area = new Int32Array(capacity);
    this.cellEvents = new Uint32Array(capacity);
    this.events = new Uint32Array(capacity);
  }

  push(device: number, state: number, start: number, end: number, cell: number, area: number, cellEvents: number, events: number): number {
    if (this.length === this.state.length) this.grow();
    const k = this.length++;
    this.device[k] = device;
    this.state[k] = state;
    this.start[k] = start;
    this.end[k] = end;
    this.cell[k] = cell;
    this.area[k] = area;
    this.cellEvents[k] = cellEvents;
    this.events[k] = events;
    return k;
  }

  private grow(): void {
    const size = this.state.length * 2;
    const copy = <T extends Uint32Array | Int32Array | Uint8Array>(array: T, next: T): T => (next.set(array), next);
    this.device = copy(this.device, new Uint32Array(size));
    this.state = copy(this.state, new Uint8Array(size));
    this.start = copy(this.start, new Uint32Array(size));
    this.end = copy(this.end, new Uint32Array(size));
    this.cell = copy(this.cell, new Int32Array(size));
    this.area = copy(this.area, new Int32Array(size));
    this.cellEvents = copy(this.cellEvents, new Uint32Array(size));
    this.events = copy(this.events, new Uint32Array(size));
  }
}

/**
 * Validates a batch and segments it device by device into `out`, calling `onDevice(device, from)` once a device's
 * segments out[from .. out.length) are complete. The callback may empty `out` (set its length to 0) to reuse it.
 * Throws naming the first event out of order or with a cell outside the plan; drops exact duplicates and counts them.
 */
export function scanBatch(
  batch: EventBatch,
  plan: PreparedPlan,
  options: ResolvedSegmentOptions,
  out: SegmentBuffer,
  onDevice: (device: number, from: number) => void,
): BatchStats {
  const n = batch.length;
  if (!(Number.isInteger(n) && n >= 0 && batch.device.length >= n && batch.time.length >= n && batch.cell.length >= n)) {
    throw new Error(`event batch: length ${n} does not fit its columns (${batch.device.length}, ${batch.time.length}, ${batch.cell.length})`);
  }
  return new Scanner(plan, options, out, onDevice).scan(batch.device, batch.time, batch.cell, n);
}

/** The segmentation state machine; state lives in fields and per-cell stamp arrays, so events allocate nothing. */
class Scanner {
  private readonly area: Int32Array;
  private readonly neighbourStart: Uint32Array;
  private readonly neighbourIds: Uint32Array;
  private readonly cellCount: number;
  private readonly maxGapStay: number;
  private readonly maxGapMove: number;
  private readonly minStay: number;
  private readonly anySeen: boolean;
  /** With anySeen: reach[c] === segment when c is in the segment's cells or adjacent to one of them. */
  private readonly reach: Int32Array;
  /** member[c] === segment when c is one of the segment's cells; then counts[c] is its number of events. */
  private readonly member: Int32Array;
  private readonly counts: Uint32Array;
  /** With mostSeen: ring[c] === ringId when c is the anchor (the most-seen cell) or adjacent to it. */
  private readonly ring: Int32Array;
  /** The segment's distinct cells in first-seen order. */
  private readonly cells: Int32Array;
  private segment = 0;
  private ringId = 0;
  private cellsLength = 0;
  private anchor = 0;
  private start = 0;
  private end = 0;
  private events = 0;
  private device = 0;
  private deviceFrom = 0;
  /** Index in `out` of the device's last stay, -1 before the first, and whether an UNKNOWN came after it. */
  private lastStay = -1;
  private unknownSinceStay = false;

  constructor(
    plan: PreparedPlan,
    options: ResolvedSegmentOptions,
    private readonly out: SegmentBuffer,
    private readonly onDevice: (device: number, from: number) => void,
  ) {
    this.area = plan.area;
    this.neighbourStart = plan.neighbourStart;
    this.neighbourIds = plan.neighbourIds;
    this.cellCount = plan.cellCount;
    this.maxGapStay = options.maxGapStaySeconds;
    this.maxGapMove = options.maxGapMoveSeconds;
    this.minStay = options.minStaySeconds;
    this.anySeen = options.adjacentTo === 'anySeen';
    this.reach = new Int32Array(this.anySeen ? plan.cellCount : 0);
    this.member = new Int32Array(plan.cellCount);
    this.counts = new Uint32Array(plan.cellCount);
    this.ring = new Int32Array(this.anySeen ? 0 : plan.cellCount);
    this.cells = new Int32Array(plan.cellCount);
  }

  scan(device: Uint32Array, time: Uint32Array, cell: Uint32Array, n: number): BatchStats {
    let devices = 0;
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      const d = device[i];
      const t = time[i];
      const c = cell[i];
      if (i === 0 || d !== this.device) {
        if (i > 0) {
          if (d < this.device) throw unsorted(i, d, t, this.device, this.end);
          this.closeSegment();
          this.onDevice(this.device, this.deviceFrom);
        }
        this.checkCell(i, c);
        devices++;
        this.device = d;
        this.deviceFrom = this.out.length;
        this.lastStay = -1;
        this.unknownSinceStay = false;
        this.openSegment(c, t);
        continue;
      }
      if (t < this.end) throw unsorted(i, d, t, d, this.end);
      if (t === this.end && isDuplicate(device, time, cell, i)) {
        dropped++;
        continue;
      }
      this.checkCell(i, c);
      const gap = t - this.end;
      const near = this.anySeen ? this.reach[c] === this.segment : this.member[c] === this.segment || this.ring[c] === this.ringId;
      if (near && gap <= this.maxGapStay) {
        this.extend(c, t);
        continue;
      }
      this.closeSegment();
      if (near || gap > this.maxGapMove) {
        this.out.push(d, UNKNOWN, this.end, t, -1, -1, 0, 0);
        this.unknownSinceStay = true;
      }
      this.openSegment(c, t);
    }
    if (n > 0) {
      this.closeSegment();
      this.onDevice(this.device, this.deviceFrom);
    }
    return { events: n, devices, dropped };
  }

  private checkCell(i: number, c: number): void {
    if (c >= this.cellCount || this.area[c] < 0) throw new Error(`event ${i}: cell ${c} is not in the cell plan`);
  }

  private openSegment(c: number, t: number): void {
    this.segment++;
    this.start = t;
    this.end = t;
    this.events = 1;
    this.cellsLength = 0;
    this.addCell(c);
    if (!this.anySeen) this.setAnchor(c);
  }

  private extend(c: number, t: number): void {
    this.end = t;
    this.events++;
    if (this.member[c] !== this.segment) this.addCell(c);
    else this.counts[c]++;
    if (!this.anySeen && c !== this.anchor && this.counts[c] > this.counts[this.anchor]) this.setAnchor(c);
  }

  private addCell(c: number): void {
    const segment = this.segment;
    this.member[c] = segment;
    this.counts[c] = 1;
    this.cells[this.cellsLength++] = c;
    if (!this.anySeen) return;
    this.reach[c] = segment;
    for (let k = this.neighbourStart[c], to = this.neighbourStart[c + 1]; k < to; k++) this.reach[this.neighbourIds[k]] = segment;
  }

  private setAnchor(c: number): void {
    const id = ++this.ringId;
    this.anchor = c;
    this.ring[c] = id;
    for (let k = this.neighbourStart[c], to = this.neighbourStart[c + 1]; k < to; k++) this.ring[this.neighbourIds[k]] = id;
  }

  /** Ends the current segment: a stay (merged into the previous stay when in the same area) or a move. */
  private closeSegment(): void {
    const out = this.out;
    let modal = this.cells[0];
    for (let k = 1; k < this.cellsLength; k++) if (this.counts[this.cells[k]] > this.counts[modal]) modal = this.cells[k];
    const area = this.area[modal];
    if (this.end - this.start < this.minStay) {
      out.push(this.device, MOVE, this.start, this.end, modal, area, this.counts[modal], this.events);
      return;
    }
    const last = this.lastStay;
    if (last >= 0 && !this.unknownSinceStay && out.area[last] === area) {
      // Only moves lie between: they become part of the stay, as a short trip out and back is no trip.
      let absorbed = 0;
      for (let k = last + 1; k < out.length; k++) absorbed += out.events[k];
      out.length = last + 1;
      out.end[last] = this.end;
      out.events[last] += absorbed + this.events;
      if (this.counts[modal] > out.cellEvents[last]) {
        out.cell[last] = modal;
        out.cellEvents[last] = this.counts[modal];
      }
      return;
    }
    this.lastStay = out.push(this.device, STAY, this.start, this.end, modal, area, this.counts[modal], this.events);
    this.unknownSinceStay = false;
  }
}

/** Whether event i repeats an earlier event of the same device, time and cell (equal times may interleave cells). */
function isDuplicate(device: Uint32Array, time: Uint32Array, cell: Uint32Array, i: number): boolean {
  for (let j = i - 1; j >= 0 && device[j] === device[i] && time[j] === time[i]; j--) if (cell[j] === cell[i]) return true;
  return false;
}

function unsorted(i: number, device: number, time: number, previousDevice: number, previousTime: number): Error {
  return new Error(
    `events must be sorted by device, then time: event ${i} (device ${device}, time ${time}) comes after device ${previousDevice}, time ${previousTime}`,
  );
}

/**
 * Stay, move and unknown segments per device by SCB's 40-minute rule, after validating the batch. An event extends the
 * current segment when its cell is one already seen in it or adjacent (plan.neighbours) to its most-seen cell (see
 * SegmentOptions.adjacentTo) and the silence since the last event is at most maxGapStaySeconds; otherwise it closes the
 * segment, which is a STAY if it lasted at least minStaySeconds and a MOVE if not. A silence longer than
 * maxGapMoveSeconds before an event in a non-adjacent cell, or longer than maxGapStaySeconds at all, is an UNKNOWN
 * segment: nothing is inferred across it, so no trip and no merging. Stays in the same area with only moves between
 * them are merged into one (handover ping-pong and quick trips out and back make no trips).
 */
export function segment(events: EventBatch, plan: CellPlan, options: SegmentOptions = {}): Segments {
  const out = new SegmentBuffer();
  const stats = scanBatch(events, preparePlan(plan), resolveSegmentOptions(options), out, () => {});
  const n = out.length;
  return {
    device: out.device.slice(0, n),
    state: out.state.slice(0, n),
    start: out.start.slice(0, n),
    end: out.end.slice(0, n),
    cell: out.cell.slice(0, n),
    area: out.area.slice(0, n),
    events: out.events.slice(0, n),
    length: n,
    stats,
  };
}
