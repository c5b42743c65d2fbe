// Levels and parents: by code prefix, parent field, level field or containment; derived parent levels; nesting checks.
import Flatbush from 'flatbush';
import { EPSG_SWEREF99TM, EPSG_WGS84 } from '../../../lib/crs.ts';
import { reproject, rewindRfc7946 } from '../../../lib/geojson.ts';
import { dissolve, interiorPoint, intersectionArea, PlanarPolygon } from '../../../lib/geometry.ts';
import { levelNameFromCodeField, normaliseFieldName } from './fields.ts';
import type { IssueLog } from './issues.ts';
import { isRestpostCode, label, type WorkingArea, type WorkingLevel } from './model.ts';
import type { NykoLevelSpec, NykoParentLink, NykoTolerances } from './types.ts';

/** Looks codes up, also without leading zeros, so a parent field stored as a number finds `0101` from `101`. */
class CodeIndex {
  private readonly exact = new Map<string, WorkingArea>();
  private readonly stripped = new Map<string, WorkingArea | null>();

  constructor(areas: Iterable<WorkingArea>) {
    for (const area of areas) {
      if (area.code === null || this.exact.has(area.code)) continue;
      this.exact.set(area.code, area);
      const key = area.code.replace(/^0+(?=\d)/, '');
      // Two codes equal without their zeros (01 and 001) make the stripped form ambiguous.
      this.stripped.set(key, this.stripped.has(key) ? null : area);
    }
  }

  get(code: string, fromNumber: boolean): WorkingArea | null {
    return this.exact.get(code) ?? (fromNumber && /^\d+$/.test(code) ? (this.stripped.get(code.replace(/^0+(?=\d)/, '')) ?? null) : null);
  }

  get size(): number {
    return this.exact.size;
  }

  codes(): string[] {
    return [...this.exact.keys()];
  }
}

/** The longest code of `index` that starts `code` (and is shorter than it). */
function prefixParent(code: string, index: CodeIndex, lengths: number[]): WorkingArea | null {
  for (const length of lengths) {
    if (length >= code.length) continue;
    const parent = index.get(code.slice(0, length), false);
    if (parent) return parent;
  }
  return null;
}

function codeLengths(areas: WorkingArea[]): number[] {
  return [...new Set(areas.flatMap((a) => (a.code === null ? [] : [a.code.length])))].sort((a, b) => b - a);
}

/** A parent made from its children's codes: no feature, no name, geometry the union of theirs when all have one. */
function derivedArea(code: string, level: number, children: WorkingArea[], log: IssueLog): WorkingArea {
  const drawn = children.filter((c) => c.geometry !== null);
  let geometry: WorkingArea['geometry'] = null;
  if (drawn.length > 0 && drawn.length === children.filter((c) => c.hadGeometry).length) {
    const union = dissolve(drawn.map((c) => c.geometry!.planar));
    if (union) geometry = { planar: new PlanarPolygon(union), wgs84: rewindRfc7946(reproject(union, EPSG_SWEREF99TM, EPSG_WGS84)) };
  }
  return {
    source: children[0].source,
    feature: null,
    code,
    fromNumber: false,
    codeRejected: false,
    name: null,
    level,
    parentRef: null,
    parentRefFromNumber: false,
    levelValue: null,
    parentCode: null,
    parent: null,
    properties: {},
    geometry,
    hadGeometry: geometry !== null,
    repaired: false,
    log,
  };
}

function setParent(child: WorkingArea, parent: WorkingArea): void {
  child.parent = parent;
  child.parentCode = parent.code;
}

export interface SingleFileLevels {
  levels: WorkingLevel[];
  /** Areas derived from codes (parents no feature carries), to add to the import. */
  derived: WorkingArea[];
}

/**
 * Levels of a single file: by code length (levels with codeLength), by a level field, by the depth of a parent
 * field, or one level. Parents found on the way are linked; missing coarser levels are derived from the codes.
 */
export function assignSingleFileLevels(
  areas: WorkingArea[],
  specs: NykoLevelSpec[] | undefined,
  singleName: string,
  fields: { code: string | null; parent: string | null; level: string | null },
  restoreLeadingZeros: boolean,
  log: IssueLog,
): SingleFileLevels {
  const withLength = specs?.filter((s) => s.codeLength !== undefined) ?? [];
  if (specs && withLength.length > 0) {
    if (withLength.length !== specs.length) {
      log.error('INVALID_OPTION', 'Either every level has a codeLength (a prefix-nested scheme) or none has.', 'Give each level its code length, or drop codeLength and use a parent or level field.');
      return { levels: [], derived: [] };
    }
    return prefixLevels(areas, specs, restoreLeadingZeros);
  }
  if (fields.level) return levelFieldLevels(areas, specs, fields);
  if (fields.parent && areas.some((a) => a.parentRef !== null)) return parentFieldLevels(areas, specs, singleName, fields);
  for (const area of areas) area.level = 1;
  return { levels: [{ level: 1, name: specs?.[0]?.name ?? singleName, origin: 'features', parentLink: null, codeLength: null }], derived: [] };
}

/** A prefix-nested scheme: a code's length gives its level, the first digits its parent (Göteborg: 101 ⊃ 10101). */
function prefixLevels(areas: WorkingArea[], specs: NykoLevelSpec[], restore: boolean): SingleFileLevels {
  const lengths = specs.map((s) => s.codeLength as number);
  for (const area of areas) {
    if (area.code === null) continue;
    let rank = lengths.indexOf(area.code.length);
    const longer = lengths.filter((l) => l > area.code!.length).sort((a, b) => a - b)[0];
    if (rank < 0 && area.fromNumber && /^\d+$/.test(area.code) && longer !== undefined) {
      if (restore) {
        area.log.warning('LEADING_ZEROS_LOST', `Code ${area.code} was stored as a number and padded to ${longer} digits (${area.code.padStart(longer, '0')}).`, 'Store codes as text so their leading zeros survive.', {
          feature: area.feature ?? undefined,
          value: area.code,
        });
        area.code = area.code.padStart(longer, '0');
        rank = lengths.indexOf(longer);
      } else {
        area.log.error(
          'LEADING_ZEROS_LOST',
          `Code ${area.code} was stored as a number and has ${area.code.length} digits, matching no level (${lengths.join(', ')}): its leading zeros were probably lost.`,
          'Store the codes as text, or import with restoreLeadingZeros to pad them to the next level length.',
          { feature: area.feature ?? undefined, value: area.code },
        );
      }
    } else if (rank < 0) {
      area.log.error('INVALID_CODE', `Code ${area.code} has ${area.code.length} characters; the levels have codes of ${lengths.join(', ')}.`, 'Correct the code or the levels option.', {
        feature: area.feature ?? undefined,
        value: area.code,
      });
    }
    area.level = rank + 1;
  }
  const derived: WorkingArea[] = [];
  const levels: WorkingLevel[] = specs.map((spec, i) => ({
    level: i + 1,
    name: spec.name,
    origin: areas.some((a) => a.level === i + 1) ? 'features' : 'derived',
    parentLink: i === 0 ? null : 'prefix',
    codeLength: spec.codeLength ?? null,
  }));
  // From the finest level up, so a derived level can itself be the children of the next derived one.
  for (let rank = levels.length; rank >= 2; rank--) {
    const children = [...areas, ...derived].filter((a) => a.level === rank && a.code !== null);
    const parentLevel = levels[rank - 2];
    const parentLength = lengths[rank - 2];
    if (parentLevel.origin === 'derived') {
      const groups = new Map<string, WorkingArea[]>();
      for (const child of children) {
        const prefix = child.code!.slice(0, parentLength);
        groups.set(prefix, [...(groups.get(prefix) ?? []), child]);
      }
      for (const [code, members] of groups) {
        const parent = derivedArea(code, rank - 1, members, members[0].log);
        derived.push(parent);
        for (const child of members) setParent(child, parent);
      }
      continue;
    }
    const index = new CodeIndex(areas.filter((a) => a.level === rank - 1));
    for (const child of children) {
      const parent = index.get(child.code!.slice(0, parentLength), false);
      if (parent) setParent(child, parent);
      else missingParent(child, levels[rank - 1].name, parentLevel.name, `its first ${parentLength} digits, ${child.code!.slice(0, parentLength)}, are no ${parentLevel.name} code in the file`);
    }
  }
  return { levels, derived };
}

/** Levels named by a level field: numbers (1 = coarsest) or names from the levels option. */
function levelFieldLevels(areas: WorkingArea[], specs: NykoLevelSpec[] | undefined, fields: { code: string | null; parent: string | null; level: string | null }): SingleFileLevels {
  const names = specs?.map((s) => normaliseFieldName(s.name)) ?? [];
  const rankOf = (value: string) => {
    const byName = names.indexOf(normaliseFieldName(value));
    return byName >= 0 ? byName + 1 : /^\d+$/.test(value) ? Number(value) : 0;
  };
  // Without named levels the numbers must run 1, 2, 3 … without a gap; a 7 after 1 and 2 is a typo, not five empty levels.
  const present = new Set(areas.map((a) => rankOf(a.levelValue ?? '')));
  let top = 0;
  while (present.has(top + 1) && (!specs || top < specs.length)) top++;
  for (const area of areas) {
    const value = area.levelValue ?? '';
    const rank = rankOf(value);
    area.level = rank >= 1 && rank <= top ? rank : 0;
    if (area.level === 0) {
      area.log.error('INVALID_LEVEL', `${label(area, 'area')} has level "${value}" in ${fields.level}, which is no level of the scheme.`, specs ? `Use 1–${specs.length} or one of ${specs.map((s) => s.name).join(', ')}.` : `Use level numbers 1, 2, … without gaps (1 = coarsest; here 1–${top}), or name the levels in the levels option.`, {
        feature: area.feature ?? undefined,
        field: fields.level ?? undefined,
        value,
      });
    }
  }
  const count = Math.max(0, ...areas.map((a) => a.level));
  const levels: WorkingLevel[] = Array.from({ length: count }, (_, i) => ({
    level: i + 1,
    name: specs?.[i]?.name ?? `nivå ${i + 1}`,
    origin: 'features',
    parentLink: i === 0 ? null : fields.parent ? 'field' : 'prefix',
    codeLength: null,
  }));
  for (let rank = 2; rank <= count; rank++) {
    const children = areas.filter((a) => a.level === rank);
    const parents = areas.filter((a) => a.level === rank - 1);
    linkByCode(children, parents, levels[rank - 1], levels[rank - 2], fields.parent ? 'field' : 'prefix');
  }
  return { levels, derived: [] };
}

/** Levels from a parent field: roots are level 1, their children level 2 …; parents outside the file form a derived level. */
function parentFieldLevels(areas: WorkingArea[], specs: NykoLevelSpec[] | undefined, singleName: string, fields: { code: string | null; parent: string | null; level: string | null }): SingleFileLevels {
  const index = new CodeIndex(areas);
  const referenced = areas.filter((a) => a.parentRef !== null);
  const inFile = referenced.filter((a) => index.get(a.parentRef!, a.parentRefFromNumber) !== null);
  const derived: WorkingArea[] = [];
  if (inFile.length === 0) {
    // No parent is in the file: the parent level is absent and is made from the parent codes.
    const groups = new Map<string, WorkingArea[]>();
    for (const child of referenced) groups.set(child.parentRef!, [...(groups.get(child.parentRef!) ?? []), child]);
    for (const [code, members] of groups) {
      const parent = derivedArea(code, 1, members, members[0].log);
      derived.push(parent);
      for (const child of members) setParent(child, parent);
    }
    for (const area of areas) area.level = area.parent ? 2 : 1;
    return {
      levels: [
        { level: 1, name: specs?.[0]?.name ?? levelNameFromCodeField(fields.parent), origin: 'derived', parentLink: null, codeLength: null },
        { level: 2, name: specs?.[1]?.name ?? singleName, origin: 'features', parentLink: 'field', codeLength: null },
      ],
      derived,
    };
  }
  for (const child of referenced) {
    const parent = index.get(child.parentRef!, child.parentRefFromNumber);
    if (parent) setParent(child, parent);
    else missingParent(child, 'area', 'area', `its parent code ${child.parentRef} is no code in the file`, fields.parent);
  }
  // Depth by walking up; a walk that meets itself is a cycle.
  for (const area of areas) {
    const seen = new Set<WorkingArea>();
    let depth = 1;
    for (let at = area.parent; at; at = at.parent) {
      if (seen.has(at) || at === area) {
        area.log.error('PARENT_CYCLE', `${label(area, 'area')}: following parent codes from it comes back to ${at.code}.`, 'Parent codes must lead up to a top-level area without a parent.', {
          feature: area.feature ?? undefined,
          value: area.code ?? undefined,
        });
        depth = 0;
        break;
      }
      seen.add(at);
      depth++;
    }
    area.level = depth;
  }
  const count = Math.max(0, ...areas.map((a) => a.level));
  const levels: WorkingLevel[] = Array.from({ length: count }, (_, i) => ({
    level: i + 1,
    name: specs?.[i]?.name ?? `nivå ${i + 1}`,
    origin: 'features',
    parentLink: i === 0 ? null : 'field',
    codeLength: null,
  }));
  for (let rank = 2; rank <= count; rank++) {
    checkPrefixNesting(
      areas.filter((a) => a.level === rank),
      levels[rank - 1].name,
    );
  }
  return { levels, derived };
}

function missingParent(child: WorkingArea, childName: string, parentName: string, why: string, field?: string | null): void {
  child.log.error('PARENT_MISSING', `${label(child, childName)} has no ${parentName}: ${why}.`, `Add the missing ${parentName} to the import, or correct the child's code or parent.`, {
    feature: child.feature ?? undefined,
    value: child.code ?? undefined,
    field: field ?? undefined,
  });
}

/** Links by code: a parent field's value, or the longest parent code that starts the child's code. */
function linkByCode(children: WorkingArea[], parents: WorkingArea[], childLevel: WorkingLevel, parentLevel: WorkingLevel, link: 'field' | 'prefix'): void {
  const index = new CodeIndex(parents);
  const lengths = codeLengths(parents);
  for (const child of children) {
    if (child.code === null) continue;
    if (link === 'field') {
      const parent = child.parentRef === null ? null : index.get(child.parentRef, child.parentRefFromNumber);
      if (parent) setParent(child, parent);
      else missingParent(child, childLevel.name, parentLevel.name, child.parentRef === null ? 'its parent field is empty' : `its parent code ${child.parentRef} is no ${parentLevel.name} code`);
    } else {
      const parent = prefixParent(child.code, index, lengths);
      if (parent) setParent(child, parent);
      else missingParent(child, childLevel.name, parentLevel.name, `no ${parentLevel.name} code starts its code`);
    }
  }
  if (link === 'field') checkPrefixNesting(children, childLevel.name);
}

/** Links each child to the parent containing a point inside it (the smallest, where parents overlap). */
function linkSpatially(children: WorkingArea[], parents: WorkingArea[], childLevel: WorkingLevel, parentLevel: WorkingLevel): void {
  const drawn = parents.filter((p) => p.geometry !== null);
  const index = drawn.length > 0 ? new Flatbush(drawn.length) : null;
  for (const parent of drawn) index?.add(...parent.geometry!.planar.bbox);
  index?.finish();
  for (const child of children) {
    if (!child.geometry) {
      if (!isRestpostCode(child.code)) missingParent(child, childLevel.name, parentLevel.name, 'it has no geometry to place it by');
      continue;
    }
    const point = interiorPoint(child.geometry.planar.toGeometry());
    const hits = point && index ? index.search(point[0], point[1], point[0], point[1]).map((i) => drawn[i]).filter((p) => p.geometry!.planar.contains(point[0], point[1])) : [];
    hits.sort((a, b) => a.geometry!.planar.area - b.geometry!.planar.area);
    if (hits[0]) setParent(child, hits[0]);
    else missingParent(child, childLevel.name, parentLevel.name, `no ${parentLevel.name} contains it`);
  }
}

/** Links a layer to the one above it, choosing the way when asked to (`auto`): field, then prefix, then containment. */
export function linkLayers(children: WorkingArea[], parents: WorkingArea[], childLevel: WorkingLevel, parentLevel: WorkingLevel, requested: NykoParentLink | 'auto', log: IssueLog): NykoParentLink | null {
  let link: NykoParentLink | null = requested === 'auto' ? null : requested;
  if (link === null) {
    const index = new CodeIndex(parents);
    const lengths = codeLengths(parents);
    const coded = children.filter((c) => c.code !== null);
    if (children.some((c) => c.parentRef !== null)) link = 'field';
    else if (coded.length > 0 && coded.every((c) => prefixParent(c.code!, index, lengths) !== null)) link = 'prefix';
    else if (parents.some((p) => p.geometry) && children.some((c) => c.geometry)) link = 'spatial';
  }
  if (link === null) {
    log.error('PARENT_MISSING', `The ${childLevel.name} areas cannot be linked to the ${parentLevel.name} areas: no parent field, their codes do not start with ${parentLevel.name} codes, and there is no geometry to place them by.`, 'Add a parent field (mapping.parent) or import geometry for both levels.', {
      level: childLevel.name,
    });
    return null;
  }
  if (link === 'spatial') linkSpatially(children, parents, childLevel, parentLevel);
  else linkByCode(children, parents, childLevel, parentLevel, link);
  return link;
}

/**
 * Where most children's codes start with their parent's code, the scheme nests codes, and a child whose code does
 * not is most likely wrong (a typo in the code or the parent field).
 */
function checkPrefixNesting(children: WorkingArea[], childName: string): void {
  const linked = children.filter((c) => c.code !== null && c.parentCode !== null);
  const nested = linked.filter((c) => c.code!.startsWith(c.parentCode!) && c.code!.length > c.parentCode!.length);
  if (linked.length < 5 || nested.length < 0.8 * linked.length) return;
  for (const child of linked) {
    if (nested.includes(child)) continue;
    child.log.error('NOT_NESTED', `${label(child, childName)}: its code does not start with its parent's code ${child.parentCode}, as ${nested.length} of ${linked.length} ${childName} codes do.`, 'Correct the code or the parent code.', {
      feature: child.feature ?? undefined,
      value: child.code ?? undefined,
      related: child.parent ? [{ source: child.parent.source, feature: child.parent.feature, code: child.parent.code }] : undefined,
    });
  }
}

/**
 * Children must lie in their parents: less than `nestShare` of a child inside its parent is an error, less than 99 %
 * a warning; a parent its children cover less than 99 % of has a gap (derived parents are their children's union).
 */
export function checkSpatialNesting(children: WorkingArea[], childName: string, parentName: string, tolerances: NykoTolerances): void {
  const coveredOf = new Map<WorkingArea, number>();
  for (const child of children) {
    const parent = child.parent;
    // A derived parent is the union of its children: nested by construction.
    if (!child.geometry || !parent?.geometry || parent.feature === null) continue;
    const inside = intersectionArea(child.geometry.planar, parent.geometry.planar);
    coveredOf.set(parent, (coveredOf.get(parent) ?? 0) + inside);
    const share = inside / child.geometry.planar.area;
    if (share >= 0.99) continue;
    const error = share < tolerances.nestShare;
    child.log.add(
      error ? 'error' : 'warning',
      'NOT_NESTED',
      `${label(child, childName)} lies ${((1 - share) * 100).toFixed(1)} % (${Math.round(child.geometry.planar.area - inside)} m²) outside its ${parentName} ${parent.code}.`,
      error ? `Check the parent code, or move the border: a ${childName} must lie in its ${parentName}.` : `Align the ${childName}'s border with its ${parentName}'s.`,
      { feature: child.feature ?? undefined, value: child.code ?? undefined, areaM2: child.geometry.planar.area - inside, related: [{ source: parent.source, feature: parent.feature, code: parent.code }] },
    );
  }
  for (const [parent, covered] of coveredOf) {
    if (parent.feature === null) continue;
    const planar = parent.geometry!.planar;
    const uncovered = planar.area - covered;
    if (covered / planar.area >= 0.99 || uncovered <= tolerances.gapM2) continue;
    parent.log.warning('GAP', `${label(parent, parentName)} is ${((covered / planar.area) * 100).toFixed(1)} % covered by its ${childName} areas; ${Math.round(uncovered)} m² are in none.`, `Extend a ${childName} over the uncovered part, or shrink the ${parentName}.`, {
      feature: parent.feature,
      value: parent.code ?? undefined,
      areaM2: uncovered,
    });
  }
}
