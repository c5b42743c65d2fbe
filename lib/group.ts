// Grouping: items by a key, each group in first-seen order (batches split into one query per group, frames by area).

/** The items grouped by their key; groups and their members keep the order the items come in. */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const members = groups.get(k);
    if (members) members.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The indexes of the items grouped by their key. */
export function groupIndexes<T, K>(items: readonly T[], key: (item: T) => K): Map<K, number[]> {
  return groupBy(items.keys(), (i) => key(items[i]));
}
