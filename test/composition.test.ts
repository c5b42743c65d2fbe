// The committed supergraph matches the subgraphs' SDL, and every type, field, argument and enum value is described.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTypeDefinitionNode, isTypeExtensionNode, parse, type DocumentNode } from 'graphql';
import { composeSupergraph, SUPERGRAPH_FILE } from '../schema/compose.ts';
import { subgraphs } from '../subgraphs/index.ts';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** Paths of types, fields, arguments and enum values in a subgraph's SDL that carry no description. */
function undescribed(document: DocumentNode): string[] {
  const missing: string[] = [];
  for (const definition of document.definitions) {
    if (!isTypeDefinitionNode(definition) && !isTypeExtensionNode(definition)) continue;
    const typeName = definition.name.value;
    if (isTypeDefinitionNode(definition) && !definition.description && !ROOT_TYPES.has(typeName)) missing.push(typeName);
    const members = 'fields' in definition ? (definition.fields ?? []) : 'values' in definition ? (definition.values ?? []) : [];
    for (const member of members) {
      const path = `${typeName}.${member.name.value}`;
      if (!member.description) missing.push(path);
      const args = 'arguments' in member ? (member.arguments ?? []) : [];
      for (const arg of args) if (!arg.description) missing.push(`${path}.${arg.name.value}`);
    }
  }
  return missing;
}

describe('composition', () => {
  it('has a committed supergraph equal to a fresh composition of the subgraphs (run `npm run compose` when this fails)', () => {
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(composeSupergraph());
  });

  it('says in its first line how it is regenerated', () => {
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8').split('\n')[0]).toContain('npm run compose');
  });

  it.each(subgraphs.map((module) => [module.name, module]))('describes every type, field, argument and enum value of the %s subgraph', (_name, module) => {
    expect(undescribed(module.typeDefs)).toEqual([]);
  });

  it('notices a field without a description', () => {
    expect(undescribed(parse('"A thing." type Thing { "Described." a: Int b(x: Int): Int }'))).toEqual(['Thing.b', 'Thing.b.x']);
  });
});
