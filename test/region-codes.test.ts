// SCB region codes ↔ area ids: every division, the 2025 suffixes, pseudo-regions and the "not existing" rule.
import { describe, expect, it } from 'vitest';
import { areaIdForScbRegion, isBeforeVintage, parseScbRegion, scbRegionCode } from '../subgraphs/statistics/region-codes.ts';

describe('SCB region codes', () => {
  it('round-trips every kind SCB publishes on, with suffixes only for the 2025 division', () => {
    const pairs: [string, string][] = [
      ['country:SE', '00'],
      ['lan:01', '01'],
      ['kommun:0180', '0180'],
      ['deso2018:0180C1010', '0180C1010'],
      ['deso2025:1480C2650', '1480C2650_DeSO2025'],
      ['regso2020:0114R001', '0114R001'],
      ['regso2025:0114R001', '0114R001_RegSO2025'],
    ];
    for (const [areaId, code] of pairs) {
      expect(scbRegionCode(areaId)).toBe(code);
      expect(areaIdForScbRegion(code)).toBe(areaId);
    }
  });

  it('reads the RegSO codes of old v1 tables', () => {
    expect(areaIdForScbRegion('RegSO0114001')).toBe('regso2020:0114R001');
  });

  it('keeps pseudo-regions apart from kommuner even though they are four digits', () => {
    expect(parseScbRegion('0010')).toEqual({ kind: 'pseudo', code: '0010', label: 'Stor-Stockholm' });
    expect(areaIdForScbRegion('0020')).toBeNull();
    expect(areaIdForScbRegion('0030')).toBeNull();
  });

  it('has no SCB code for tätorter and grid squares, and no area for codes of no known division', () => {
    expect(scbRegionCode('tatort2020:0114TB103')).toBeNull();
    expect(scbRegionCode('grid1km:3520006860000')).toBeNull();
    expect(parseScbRegion('1480X9999').kind).toBe('unknown');
    expect(parseScbRegion('TOTAL').kind).toBe('unknown');
  });

  it('marks 2025-division codes before 2024 as not existing, and nothing else', () => {
    expect(isBeforeVintage('deso2025:2080C1010', 2023)).toBe(true);
    expect(isBeforeVintage('deso2025:2080C1010', 2024)).toBe(false);
    expect(isBeforeVintage('regso2025:0114R001', 2019)).toBe(true);
    expect(isBeforeVintage('deso2018:0180C1010', 2010)).toBe(false);
    expect(isBeforeVintage('kommun:0180', 1950)).toBe(false);
  });
});
