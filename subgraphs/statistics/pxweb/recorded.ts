// The recorded real SCB responses in data/scb/pxweb/, as cache seeds so offline mode can answer from them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SeedEntry } from './client.ts';
import { parseJson } from './jsonstat.ts';

/** Which recording answers what: kind, table id (v1 tables by their path) and the language of its labels. */
const RECORDINGS: { file: string; kind: SeedEntry['kind']; id?: string; language: string }[] = [
  { file: 'v2-tables-list-page.json', kind: 'tables', language: 'sv' },
  { file: 'v2-tables-search-befolkning.json', kind: 'tables', language: 'sv' },
  { file: 'v2-metadata-TAB6471-population-month-region-age-sex.json', kind: 'metadata', id: 'TAB6471', language: 'sv' },
  { file: 'v2-data-TAB6471-jsonstat2.json', kind: 'data', id: 'TAB6471', language: 'sv' },
  { file: 'v2-data-TAB5557-ckm-stockholm-2025-all-ages-jsonstat2.json', kind: 'data', id: 'TAB5557', language: 'sv' },
  { file: 'v2-codelist-agg_Alder10arJ.json', kind: 'codelist', language: 'sv' },
  { file: 'v1-data-TAB3554-HE0110-income-jsonstat2.json', kind: 'data', id: 'TAB3554', language: 'sv' },
  // v1 `json` bodies need their metadata seeded first (labels and variable order come from it).
  { file: 'v1-metadata-BefolkningNy-en.json', kind: 'metadata', id: 'BE/BE0101/BE0101A/BefolkningNy', language: 'en' },
  { file: 'v1-data-BefolkningNy-json-en.json', kind: 'data', id: 'BE/BE0101/BE0101A/BefolkningNy', language: 'en' },
  { file: 'v1-metadata-BefArealTathetKon-en-2020.json', kind: 'metadata', id: 'BE/BE0101/BE0101C/BefArealTathetKon', language: 'en' },
  { file: 'v1-data-BefArealTathetKon-counties-json-en-2020.json', kind: 'data', id: 'BE/BE0101/BE0101C/BefArealTathetKon', language: 'en' },
  { file: 'v1-data-Tab3InkDesoN-deso-stockholm-2020-json-sv.json', kind: 'data', id: 'HE/HE0110/HE0110I/Tab3InkDesoN', language: 'sv' },
];

/**
 * Seeds for every recording in `dir` (data/scb/pxweb). v2-config.json is left out on purpose: pxwebpy edited its
 * call limits to 3 per second for its tests, and a client must read SCB's real limits.
 */
export function recordedSeeds(dir: string): SeedEntry[] {
  return RECORDINGS.map(({ file, kind, id, language }) => ({
    kind,
    ...(id ? { id } : {}),
    language,
    body: parseJson(readFileSync(path.join(dir, file), 'utf8')),
  }));
}
