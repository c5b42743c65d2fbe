// Area ids: every kind round-trips, malformed ids are rejected with a message naming the expected format.
import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { AREA_KINDS, formatAreaId, isAreaId, kommunCodeOf, lanCodeOf, parseAreaId, type AreaKind } from '../lib/area-id.ts';

function rejection(id: string): GraphQLError {
  try {
    parseAreaId(id);
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error(`${id} was accepted`);
}

describe('area ids', () => {
  it.each(Object.entries(AREA_KINDS).map(([kind, spec]) => [kind as AreaKind, spec.example]))(
    'parses and formats a %s id back to the same string',
    (kind, code) => {
      const id = formatAreaId(kind, code);
      expect(id).toBe(`${kind}:${code}`);
      const parsed = parseAreaId(id);
      expect(parsed).toEqual({ id, kind, level: AREA_KINDS[kind].level, vintage: AREA_KINDS[kind].vintage, code });
    },
  );

  it('keeps the vintage in the id so a code reused across DeSO divisions names two areas', () => {
    expect(parseAreaId('deso2018:0180C4040').vintage).toBe(2018);
    expect(parseAreaId('deso2025:0180C4040').vintage).toBe(2025);
    expect(parseAreaId('regso2020:0180R047').level).toBe('REGSO');
  });

  it.each([
    ['1480', 'expected <kind>:<code>'],
    ['kommun:148', 'expected an area id like "kommun:1480"'],
    ['deso:1480C2650', 'kind one of'],
    ['deso2025:1480X2650', 'expected an area id like "deso2025:1480C2650"'],
    ['grid1km:3520016860000', 'expected an area id like "grid1km:3520006860000"'],
    ['tatort2020:0114TA103', 'tatort2020:0114TB103'],
    ['', 'expected <kind>:<code>'],
    ['kommun:1480 ', 'kommun:1480'],
  ])('rejects %j with BAD_USER_INPUT and a message naming the format', (id, expected) => {
    const error = rejection(id);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain(expected);
  });

  it('suggests the canonical spelling of a wrongly cased id', () => {
    expect(rejection('Kommun:1480').message).toContain('Did you mean "kommun:1480"?');
    expect(rejection('deso2025:1480c2650').message).toContain('Did you mean "deso2025:1480C2650"?');
  });

  it('derives kommun and län codes from the code, not from geometry', () => {
    expect(kommunCodeOf(parseAreaId('deso2025:1480C2650'))).toBe('1480');
    expect(lanCodeOf(parseAreaId('regso2020:0180R047'))).toBe('01');
    expect(lanCodeOf(parseAreaId('lan:20'))).toBe('20');
    expect(kommunCodeOf(parseAreaId('country:SE'))).toBeNull();
    expect(lanCodeOf(parseAreaId('grid1km:3520006860000'))).toBeNull();
  });

  it('tells well-formed ids from malformed ones without throwing', () => {
    expect(isAreaId('lan:14')).toBe(true);
    expect(isAreaId('lan:1')).toBe(false);
  });
});
