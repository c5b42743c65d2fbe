// Custom scalars shared by subgraphs.
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { badUserInput } from './errors.ts';

function literalToValue(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalToValue(field.value)]));
    case Kind.LIST:
      return node.values.map(literalToValue);
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    default:
      throw badUserInput('Variables are not allowed inside a GeoJSON literal; pass the whole object as a variable');
  }
}

function asGeoJsonObject(value: unknown): object {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string') return value;
  throw badUserInput('Expected a GeoJSON object with a "type" member, e.g. {"type": "Point", "coordinates": [11.97, 57.71]}');
}

/** GeoJSON objects pass through as JSON; the schema describes which members to expect. */
export const GeoJSONScalar = new GraphQLScalarType({
  name: 'GeoJSON',
  description: 'A GeoJSON object (RFC 7946).',
  serialize: (value) => asGeoJsonObject(value),
  parseValue: (value) => asGeoJsonObject(value),
  parseLiteral: (node) => asGeoJsonObject(literalToValue(node)),
});
