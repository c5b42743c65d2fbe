// Resolvers of the NYKO subgraph: schemes, versions and areas from the store; imports authorized per kommun.
import { GraphQLError } from 'graphql';
import { badUserInput, codedError } from '../../lib/errors.ts';
import { GeoJSONScalar } from '../../lib/scalars.ts';
import type { GraphQLResolverMap } from '../../lib/subgraph.ts';
import { authorizeWrite } from './auth.ts';
import { isNykoId, kommunProblem, versionKey } from './ids.ts';
import { runImportInWorker } from './import-runner.ts';
import type { NykoIssue, NykoLayerInput } from './import/index.ts';
import type { NykoLoaders } from './loaders.ts';
import { areasOfVersion, compositionFromRows, getVersion, isWhollyInside, listSchemes, listVersions, versionAt, type SchemeInfo, type VersionInfo } from './queries.ts';
import type { NykoSource } from './source.ts';
import type { AreaRow, CorrespondenceRow, LineageRow } from './tables.ts';

export interface NykoContext {
  source: NykoSource;
  loaders: NykoLoaders;
  /** The request's Authorization header, for imports. */
  authorization?: string;
  /** Versions read during the request, by id. */
  versions: Map<string, VersionInfo | null>;
}

interface AreaRef {
  id: string;
}

/** Issues listed in an error at most; the message gives the totals. */
const MAX_ISSUES = 100;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const OVERLAP_TARGETS = { DESO2025: { kind: 'deso', vintage: 2025 }, REGSO2025: { kind: 'regso', vintage: 2025 } } as const;

const areaRef = (row: AreaRow): AreaRef => ({ id: row.id });

function versionOf(context: NykoContext, id: string): VersionInfo | null {
  if (!context.versions.has(id)) context.versions.set(id, getVersion(context.source.store, id));
  return context.versions.get(id)!;
}

function schemeObject(info: SchemeInfo) {
  return { ...info, kommun: { id: `kommun:${info.kommun}` } };
}

/** The scheme of a kommun a query means: the one named, or its only scheme. */
function schemeOf(source: NykoSource, kommun: string, slug: string | null | undefined): SchemeInfo | null {
  const problem = kommunProblem(kommun);
  if (problem) throw badUserInput(problem, { argumentName: 'kommun' });
  const schemes = listSchemes(source.store, kommun);
  if (slug != null) {
    const scheme = schemes.find((candidate) => candidate.slug === slug);
    if (!scheme) {
      const known = schemes.map((candidate) => `"${candidate.slug}"`).join(', ') || 'none';
      throw badUserInput(`kommun ${kommun} has no NYKO scheme "${slug}"; its schemes: ${known}`, { argumentName: 'scheme' });
    }
    return scheme;
  }
  if (schemes.length > 1) {
    throw badUserInput(`kommun ${kommun} has several NYKO schemes: name one with scheme (${schemes.map((s) => `"${s.slug}"`).join(', ')})`, { argumentName: 'scheme' });
  }
  return schemes[0] ?? null;
}

function versionFor(source: NykoSource, scheme: SchemeInfo, label: string | null | undefined, asOf: string | null | undefined): VersionInfo | null {
  if (label != null && asOf != null) throw badUserInput('give version or asOf, not both', { argumentName: 'asOf' });
  if (label != null) {
    const version = getVersion(source.store, versionKey(scheme.kommun, scheme.slug, label));
    if (!version) {
      const labels = listVersions(source.store, scheme.id).map((v) => `"${v.label}"`).join(', ');
      throw badUserInput(`scheme ${scheme.id} has no version "${label}"; its versions: ${labels}`, { argumentName: 'version' });
    }
    return version;
  }
  if (asOf != null) {
    if (!ISO_DATE.test(asOf)) throw badUserInput(`asOf "${asOf}" is not an ISO date: expected YYYY-MM-DD, e.g. "2024-06-30"`, { argumentName: 'asOf' });
    return versionAt(source.store, scheme.id, asOf);
  }
  return listVersions(source.store, scheme.id).at(-1) ?? null;
}

/** The files of an import as the import library takes them; a file that cannot be decoded is refused by name. */
function layersOf(files: { fileName: string; content: string; encoding: 'TEXT' | 'BASE64'; level?: string | null }[]): NykoLayerInput[] {
  if (files.length === 0) throw badUserInput('files is empty: send one file with every level, or one file per level', { argumentName: 'files' });
  return files.map((file, i) => {
    const bytes = file.encoding === 'BASE64' ? Buffer.from(file.content, 'base64') : Buffer.from(file.content, 'utf8');
    if (file.encoding === 'BASE64' && bytes.length === 0 && file.content.length > 0) {
      throw badUserInput(`files[${i}] (${file.fileName}) is not base64: send binary files (zips) base64-encoded`, { argumentName: 'files' });
    }
    if (files.length > 1 && !file.level) {
      throw badUserInput(`files[${i}] (${file.fileName}) has no level: with one file per level, name each file's level, coarse to fine`, { argumentName: 'files' });
    }
    return { level: file.level ?? '', input: { fileName: file.fileName, bytes } };
  });
}

function issueOf(issue: NykoIssue) {
  return { ...issue, severity: issue.severity.toUpperCase() };
}

function invalidImport(issues: NykoIssue[]): GraphQLError {
  const errors = issues.filter((issue) => issue.severity === 'error').length;
  const warnings = issues.length - errors;
  return codedError('NYKO_IMPORT_INVALID', `Import rejected: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (nothing was saved)`, {
    errors,
    warnings,
    issues: issues.slice(0, MAX_ISSUES).map(issueOf),
  });
}

export const resolvers: GraphQLResolverMap<NykoContext> = {
  GeoJSON: GeoJSONScalar,
  Query: {
    nykoSchemes: (_: unknown, { kommun }: { kommun?: string | null }, { source }: NykoContext) => {
      if (kommun != null && kommunProblem(kommun)) throw badUserInput(kommunProblem(kommun)!, { argumentName: 'kommun' });
      return listSchemes(source.store, kommun ?? undefined).map(schemeObject);
    },
    nykoScheme: (_: unknown, { id }: { id: string }, { source }: NykoContext) => {
      const scheme = listSchemes(source.store).find((candidate) => candidate.id === id);
      return scheme ? schemeObject(scheme) : null;
    },
    nykoAreas: (
      _: unknown,
      args: { kommun: string; scheme?: string | null; version?: string | null; asOf?: string | null; level?: string | null },
      { source }: NykoContext,
    ) => {
      const scheme = schemeOf(source, args.kommun, args.scheme);
      const version = scheme ? versionFor(source, scheme, args.version, args.asOf) : null;
      if (!version) return [];
      if (args.level != null && !version.levels.some((level) => level.slug === args.level)) {
        throw badUserInput(`version ${version.id} has no level "${args.level}"; its levels: ${version.levels.map((l) => `"${l.slug}"`).join(', ')}`, { argumentName: 'level' });
      }
      return areasOfVersion(source.store, version.id, args.level ?? undefined).map(areaRef);
    },
  },
  Mutation: {
    // Runs in a worker thread: the subgraph keeps answering reads while an import takes its seconds.
    importNykoVersion: async (_: unknown, { input }: { input: ImportInput }, context: NykoContext) => {
      const { source } = context;
      const problem = kommunProblem(input.kommun);
      if (problem) throw badUserInput(problem, { argumentName: 'input.kommun' });
      const importedBy = authorizeWrite(context.authorization, input.kommun, source.grants);
      const mapping = { code: input.codeField ?? undefined, name: input.nameField ?? undefined, parent: input.parentField ?? undefined };
      const fileOptions = { crs: input.crs ?? undefined, mapping, codeWidth: input.codeWidth ?? undefined };
      const layers = layersOf(input.files).map((layer) => ({ ...layer, ...fileOptions }));
      const single = layers.length === 1 && !input.files[0].level;
      const result = await runImportInWorker(source.store, {
        kommun: input.kommun,
        scheme: input.scheme,
        schemeName: input.schemeName ?? undefined,
        label: input.label,
        validFrom: input.validFrom,
        ...(single ? { input: layers[0].input, options: fileOptions } : { layers }),
        importedBy,
        replace: input.replace,
        dryRun: input.dryRun,
      });
      if (result.refusal) {
        throw codedError('NYKO_IMPORT_INVALID', `Import refused (nothing was saved): ${result.refusal.message} ${result.refusal.hint}`, {
          refusal: result.refusal.code,
          issues: [],
        });
      }
      const issues = result.report?.issues ?? [];
      if (!result.ok || !result.version) throw invalidImport(issues);
      context.versions.clear();
      return {
        written: result.written,
        version: result.version,
        warnings: issues.filter((issue) => issue.severity === 'warning').map(issueOf),
        areaCount: result.version.areaCount,
      };
    },
  },
  Area: {
    __resolveReference: async (reference: AreaRef): Promise<AreaRef> => ({ id: reference.id }),
    // Only nyko: ids can name a NYKO area; others answer null without a query.
    nyko: (area: AreaRef, _: unknown, { loaders }: NykoContext) => (isNykoId(area.id) ? loaders.area.load(area.id) : null),
    nykoComposition: async (area: AreaRef, _: unknown, { loaders }: NykoContext) => {
      if (!isNykoId(area.id)) return null;
      const rows = await loaders.overlaps.load({ id: area.id, kind: 'deso', vintage: 2025 });
      const populations = await loaders.targetPopulation.loadMany(rows);
      const byTarget = new Map(rows.map((row, i) => [row.targetId, typeof populations[i] === 'number' ? (populations[i] as number) : null]));
      const composition = compositionFromRows(rows, 'population', byTarget);
      return composition && { ...composition, basis: composition.basis.toUpperCase(), parts: composition.parts.map((part) => ({ ...part, areaId: part.targetId })) };
    },
  },
  NykoScheme: {
    levels: (scheme: SchemeInfo) => scheme.levels,
    versions: (scheme: SchemeInfo, _: unknown, { source }: NykoContext) => listVersions(source.store, scheme.id),
  },
  NykoVersion: {
    levels: (version: VersionInfo) => version.levels.map((level) => ({ slug: level.slug, name: level.name })),
    areas: (version: VersionInfo, { level }: { level?: string | null }, { source }: NykoContext) =>
      areasOfVersion(source.store, version.id, level ?? undefined).map(areaRef),
  },
  NykoArea: {
    level: (row: AreaRow) => ({ slug: row.levelSlug, name: row.levelName }),
    depth: (row: AreaRow) => row.level,
    parent: (row: AreaRow) => ({ id: row.parentId }),
    children: async (row: AreaRow, _: unknown, { loaders }: NykoContext) => (await loaders.children.load(row.id)).map(areaRef),
    geometry: (row: AreaRow) => (row.geometry ? (JSON.parse(row.geometry) as unknown) : null),
    areaKm2: (row: AreaRow) => (row.areaM2 === null ? null : row.areaM2 / 1e6),
    version: (row: AreaRow, _: unknown, context: NykoContext) => versionOf(context, row.version),
    lineage: async (row: AreaRow, { direction }: { direction: 'BACKWARD' | 'FORWARD' | 'BOTH' }, { loaders }: NykoContext) => {
      const rows = await loaders.lineage.load(row.id);
      return rows.filter((link) => direction === 'BOTH' || (direction === 'FORWARD' ? link.fromId === row.id : link.toId === row.id));
    },
    overlaps: async (row: AreaRow, { kind }: { kind: keyof typeof OVERLAP_TARGETS }, { loaders }: NykoContext) =>
      loaders.overlaps.load({ id: row.id, ...OVERLAP_TARGETS[kind] }),
  },
  NykoLineage: {
    from: (link: LineageRow) => (link.fromId ? { id: link.fromId } : null),
    to: (link: LineageRow) => (link.toId ? { id: link.toId } : null),
    fromVersion: (link: LineageRow) => link.fromVersion.split('/').at(-1),
    toVersion: (link: LineageRow) => link.toVersion.split('/').at(-1),
    relation: (link: LineageRow) => link.relation.toUpperCase(),
  },
  AreaOverlap: {
    area: (overlap: CorrespondenceRow) => ({ id: overlap.targetId }),
    shareOfArea: (overlap: CorrespondenceRow) => overlap.areaShareOfTarget,
    shareOfNyko: (overlap: CorrespondenceRow) => overlap.areaShareOfNyko,
    weight: (overlap: CorrespondenceRow) => overlap.areaWeight,
    populationShareOfArea: (overlap: CorrespondenceRow) => overlap.popShareOfTarget,
    whollyInside: (overlap: CorrespondenceRow) => isWhollyInside(overlap),
  },
};

interface ImportInput {
  kommun: string;
  scheme: string;
  schemeName?: string | null;
  label: string;
  validFrom: string;
  files: { fileName: string; content: string; encoding: 'TEXT' | 'BASE64'; level?: string | null }[];
  crs?: string | null;
  codeField?: string | null;
  nameField?: string | null;
  parentField?: string | null;
  codeWidth?: number | null;
  replace: boolean;
  dryRun: boolean;
}
