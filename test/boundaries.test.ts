// Architecture rules: subgraphs meet only through federation, lib/ stands alone, the gateway reads only the supergraph.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';

interface ImportEdge {
  file: string;
  target: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs)$/.test(entry.name))
    .map((entry) => path.relative(PROJECT_ROOT, path.join(entry.parentPath, entry.name)));
}

/** Relative imports (static and dynamic) of a file, resolved to project-relative paths. */
function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]);
  return specifiers.map((specifier) => ({ file, target: path.relative(PROJECT_ROOT, path.resolve(path.dirname(path.join(PROJECT_ROOT, file)), specifier)) }));
}

function subgraphOf(projectPath: string): string | null {
  const [top, name, rest] = projectPath.split(path.sep);
  return top === 'subgraphs' && rest !== undefined ? name : null;
}

function violations(edges: ImportEdge[]): string[] {
  const found: string[] = [];
  for (const { file, target } of edges) {
    const from = subgraphOf(file);
    const to = subgraphOf(target);
    if (from && to && from !== to) found.push(`${file} imports another subgraph: ${target}`);
    if (file.startsWith(`lib${path.sep}`) && target.startsWith(`subgraphs${path.sep}`)) found.push(`${file} (lib) imports subgraph code: ${target}`);
    if (file.startsWith(`gateway${path.sep}`) && !target.startsWith(`gateway${path.sep}`) && !target.startsWith(`lib${path.sep}`)) {
      found.push(`${file} (gateway) imports ${target}; it may use only gateway/, lib/ and schema/supergraph.graphql`);
    }
  }
  return found;
}

describe('boundaries', () => {
  it('keeps subgraphs from importing each other, lib from importing subgraphs, and the gateway to itself and lib', () => {
    const files = [...sourceFiles('subgraphs'), ...sourceFiles('lib'), ...sourceFiles('gateway')];
    expect(files.length).toBeGreaterThan(15);
    expect(violations(files.flatMap(importsOf))).toEqual([]);
  });

  it('reports each kind of forbidden import', () => {
    const edges = [
      { file: 'subgraphs/geo/source.ts', target: 'subgraphs/statistics/source.ts' },
      { file: 'lib/db.ts', target: 'subgraphs/geo/tables.ts' },
      { file: 'gateway/server.ts', target: 'subgraphs/index.ts' },
      { file: 'subgraphs/geo/source.ts', target: 'lib/db.ts' },
    ].map((edge) => ({ file: edge.file.split('/').join(path.sep), target: edge.target.split('/').join(path.sep) }));
    expect(violations(edges)).toHaveLength(3);
  });

  it('reads no file of a subgraph from the gateway, only the committed supergraph', () => {
    const gatewayText = sourceFiles('gateway').map((file) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8')).join('\n');
    expect(gatewayText).toContain('schema/supergraph.graphql');
    expect(gatewayText).not.toMatch(/subgraphs\//);
  });

  it('never reads the shared research folder at run time or in tests', () => {
    const files = [...sourceFiles('subgraphs'), ...sourceFiles('lib'), ...sourceFiles('gateway'), ...sourceFiles('scripts'), ...sourceFiles('schema')];
    const offenders = files.filter((file) => /\.\.\/shared|\/shared\/data/.test(readFileSync(path.join(PROJECT_ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
