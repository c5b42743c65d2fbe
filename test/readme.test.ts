// README stays true: the two commands, the error table equal to the registry, every setting documented, CI running the test command.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../lib/config.ts';
import { ERROR_CODES } from '../lib/errors.ts';

const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');

/** The body of a `## Heading` section, up to the next heading of the same level. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const rest = readme.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The first cell of every body row of the markdown tables in a text, without backticks. */
function firstCells(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1)
    .map((line) => line.split('|')[1].trim().replaceAll('`', ''));
}

describe('README', () => {
  it('starts a newcomer with the two commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });

  it('lists exactly the error registry’s codes in its error table', () => {
    expect(firstCells(section('Errors')).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('documents every environment variable the configuration reads', () => {
    const config = readFileSync(path.join(PROJECT_ROOT, 'lib/config.ts'), 'utf8');
    const variables = [...config.matchAll(/env\.([A-Z_]+)/g)].map((match) => match[1]);
    expect(variables.length).toBeGreaterThan(3);
    for (const variable of [...variables, 'GATEWAY_PORT', 'GEO_PORT', 'STATISTICS_PORT', 'GEO_URL', 'STATISTICS_URL']) expect(readme).toContain(variable);
  });

  it('lists every setting in .env.example too, with no setting the configuration does not read', () => {
    const config = readFileSync(path.join(PROJECT_ROOT, 'lib/config.ts'), 'utf8');
    const example = readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const read = new Set([...config.matchAll(/env\.([A-Z_]+)/g)].map((match) => match[1]));
    const perSubgraph = /^(GATEWAY|GEO|STATISTICS|MOBILITY|NYKO)_(PORT|URL)$/;
    expect([...read].filter((variable) => !listed.has(variable))).toEqual([]);
    expect([...listed].filter((variable) => !read.has(variable) && !perSubgraph.test(variable))).toEqual([]);
  });

  it('is what CI runs: .ci/run ends with the README’s test command', () => {
    const ci = readFileSync(path.join(PROJECT_ROOT, '.ci/run'), 'utf8').trim().split('\n');
    expect(ci.at(-1)).toBe('npm test');
  });
});
