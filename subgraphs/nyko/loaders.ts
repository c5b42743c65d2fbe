// Per-request DataLoaders over the NYKO store: areas by id, children, lineage and overlaps, one query per batch.
import DataLoader from 'dataloader';
import { asc, inArray, or } from 'drizzle-orm';
import { groupBy } from '../../lib/group.ts';
import { areasByIds, correspondenceOf, targetOfLevelKey, targetPopulations, type TargetOfLevel } from './queries.ts';
import type { NykoSource } from './source.ts';
import { areas as areaTable, lineage as lineageTable, type AreaRow, type CorrespondenceRow, type LineageRow } from './tables.ts';

export interface OverlapKey {
  id: string;
  kind: 'deso' | 'regso';
  vintage: number;
}

export interface NykoLoaders {
  area: DataLoader<string, AreaRow | null>;
  children: DataLoader<string, AreaRow[]>;
  lineage: DataLoader<string, LineageRow[]>;
  overlaps: DataLoader<OverlapKey, CorrespondenceRow[], string>;
  /** Residents of a target of a version's level by the population surface; null without a surface. */
  targetPopulation: DataLoader<TargetOfLevel, number | null, string>;
}

export function createLoaders({ store }: NykoSource): NykoLoaders {
  return {
    area: new DataLoader((ids) => Promise.resolve(areasByIds(store, ids))),
    children: new DataLoader((parentIds) => {
      const rows = store.db.select().from(areaTable).where(inArray(areaTable.parentId, [...parentIds])).orderBy(asc(areaTable.code)).all();
      const byParent = groupBy(rows, (row) => row.parentId);
      return Promise.resolve(parentIds.map((id) => byParent.get(id) ?? []));
    }),
    lineage: new DataLoader((ids) => {
      const list = [...ids];
      const rows = store.db
        .select()
        .from(lineageTable)
        .where(or(inArray(lineageTable.fromId, list), inArray(lineageTable.toId, list)))
        .orderBy(asc(lineageTable.fromVersion), asc(lineageTable.fromCode), asc(lineageTable.toCode))
        .all();
      const byFrom = groupBy(rows, (row) => row.fromId);
      const byTo = groupBy(rows, (row) => row.toId);
      return Promise.resolve(ids.map((id) => [...(byFrom.get(id) ?? []), ...(byTo.get(id) ?? [])]));
    }),
    overlaps: new DataLoader(
      (keys) => {
        const results = keys.map((): CorrespondenceRow[] => []);
        for (const members of groupBy(keys.keys(), (i) => `${keys[i].kind}|${keys[i].vintage}`).values()) {
          const { kind, vintage } = keys[members[0]];
          const byArea = groupBy(correspondenceOf(store, members.map((i) => keys[i].id), { kind, vintage }), (row) => row.nykoId);
          for (const i of members) results[i] = byArea.get(keys[i].id) ?? [];
        }
        return Promise.resolve(results);
      },
      { cacheKeyFn: (key) => `${key.id}|${key.kind}|${key.vintage}` },
    ),
    targetPopulation: new DataLoader(
      (targets) => {
        const found = targetPopulations(store, targets);
        return Promise.resolve(targets.map((target) => found.get(targetOfLevelKey(target)) ?? null));
      },
      { cacheKeyFn: targetOfLevelKey },
    ),
  };
}
