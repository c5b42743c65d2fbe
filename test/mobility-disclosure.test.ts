// Disclosure control of mobility aggregates: k on devices, delete vs flag, rounding, SCB's small-number perturbation, settings.
import { describe, expect, it } from 'vitest';
import { loadConfig, type DisclosureConfig } from '../lib/config.ts';
import { protect, protectAll } from '../subgraphs/mobility/disclosure.ts';

const base: DisclosureConfig = { method: 'delete', k: 5, roundingBase: 1, perturbSmall: false };

describe('disclosure control', () => {
  it('counts k on distinct devices, not on extrapolated persons', () => {
    expect(protect({ devices: 4, value: 4_000 }, base, 'a')).toEqual({ value: null, suppressed: true });
    expect(protect({ devices: 5, value: 3.4 }, base, 'a')).toEqual({ value: 3, suppressed: false });
  });

  it('leaves suppressed cells out of lists with delete, and lists them as null with flag, counting them either way', () => {
    const cells = [
      { id: 'a', devices: 9, value: 900 },
      { id: 'b', devices: 2, value: 210 },
      { id: 'c', devices: 1, value: 95 },
    ];
    const deleted = protectAll(cells, base, (cell) => cell.id);
    expect(deleted.cells.map((cell) => cell.id)).toEqual(['a']);
    expect(deleted.summary).toMatchObject({ method: 'delete', k: 5, suppressedCells: 2 });
    const flagged = protectAll(cells, { ...base, method: 'flag' }, (cell) => cell.id);
    expect(flagged.cells.map((cell) => [cell.id, cell.value, cell.suppressed])).toEqual([
      ['a', 900, false],
      ['b', null, true],
      ['c', null, true],
    ]);
    expect(flagged.summary.suppressedCells).toBe(2);
  });

  it('rounds published values to the base', () => {
    expect(protect({ devices: 10, value: 1_234 }, { ...base, roundingBase: 5 }, 'a').value).toBe(1_235);
    expect(protect({ devices: 10, value: 1_232 }, { ...base, roundingBase: 5 }, 'a').value).toBe(1_230);
  });

  it('perturbs published 1 and 2 to 0 or 3, the same way for the same cell on every read', () => {
    const config = { ...base, k: 1, perturbSmall: true };
    const outcomes = new Set<number | null>();
    for (let i = 0; i < 40; i++) {
      const first = protect({ devices: 1, value: 1 + (i % 2) }, config, `cell-${i}`);
      expect(protect({ devices: 1, value: 1 + (i % 2) }, config, `cell-${i}`)).toEqual(first);
      outcomes.add(first.value);
    }
    expect([...outcomes].sort()).toEqual([0, 3]);
    expect(protect({ devices: 1, value: 4 }, config, 'x').value).toBe(4);
  });

  it('reads its settings from the environment and refuses bad ones with the variable’s name', () => {
    expect(loadConfig({ MOBILITY_DISCLOSURE: 'flag', MOBILITY_K: '10', MOBILITY_ROUNDING_BASE: '5', MOBILITY_PERTURB_SMALL: 'false' }).mobility.disclosure).toEqual({
      method: 'flag',
      k: 10,
      roundingBase: 5,
      perturbSmall: false,
    });
    expect(() => loadConfig({ MOBILITY_K: '0' })).toThrow(/MOBILITY_K=0/);
    expect(() => loadConfig({ MOBILITY_DISCLOSURE: 'hide' })).toThrow(/MOBILITY_DISCLOSURE=hide/);
    expect(() => loadConfig({ MOBILITY_DATES: '2022-11-31x' })).toThrow(/MOBILITY_DATES/);
  });
});
