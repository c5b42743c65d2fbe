// Imports one delivery: the description checked, every file validated and staged, then written in one transaction (or not at all).
import { FILE_KINDS, FILE_SPECS, isIsoDate, type AreaLookup, type FileKind } from './format.ts';
import { ValidationReport } from './report.ts';
import {
  describeDelivery,
  openExisting,
  overlapping,
  readAreaCodes,
  readDeliveries,
  writeDelivery,
  type DeliveryDescription,
  type DeliveryRecord,
  type WriteHooks,
} from './store.ts';
import { AreaDictionary, Staging, stageFile, type FileProgress, type StagedFile } from './validate.ts';

/** Problems with a delivery's description (the command line), each saying what was expected; empty when it is fine. */
export function checkDescription(delivery: DeliveryDescription, files: Partial<Record<FileKind, string>>): string[] {
  const problems: string[] = [];
  if (!FILE_KINDS.some((kind) => files[kind])) problems.push(`Give at least one file: ${FILE_KINDS.map((kind) => `${FILE_SPECS[kind].option} <file.csv>`).join(', ')}.`);
  if (delivery.provider.trim() === '') problems.push('--provider is empty; expected the provider’s name, e.g. --provider Telia.');
  if (!/^\S+$/.test(delivery.methodVersion)) problems.push(`--method-version "${delivery.methodVersion}" must be one word, e.g. --method-version scb-mno-2023.1.`);
  for (const [option, date] of [['--from', delivery.from], ['--to', delivery.to]]) {
    if (!isIsoDate(date)) problems.push(`${option} "${date}" is not an ISO date; expected YYYY-MM-DD, e.g. ${option} 2022-11-01.`);
  }
  if (isIsoDate(delivery.from) && isIsoDate(delivery.to) && delivery.to < delivery.from) problems.push(`--to ${delivery.to} is before --from ${delivery.from}; the period is inclusive, give the first day as --from.`);
  const k = delivery.protectedByProviderK;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) problems.push(`--protected-by-provider ${k} is not a whole number of at least 1; expected the provider's k, e.g. --protected-by-provider 5.`);
  return problems;
}

export interface ImportOptions {
  files: Partial<Record<FileKind, string>>;
  delivery: DeliveryDescription;
  /** The delivery store's file; created by the first import. */
  store: string;
  frame: AreaLookup;
  /** Replace the deliveries the period overlaps (otherwise an overlap refuses the import). */
  replace?: boolean;
  /** Validate only: the store is not written (nor created). */
  dryRun?: boolean;
  onProgress?: (progress: FileProgress) => void;
  /** Aborting stops validation at the next line; nothing is written. */
  signal?: AbortSignal;
  hooks?: WriteHooks;
  /** Problems described per code (default 50; the rest are counted). */
  maxPerCode?: number;
}

export interface ImportResult {
  /** imported: written; validated: a dry run found it valid; refused: invalid or overlapping, nothing written. */
  outcome: 'imported' | 'validated' | 'refused';
  report: ValidationReport;
  files: StagedFile[];
  /** Deliveries the period overlaps: replaced when imported with replace, the reason for a refusal otherwise. */
  overlaps: DeliveryRecord[];
  deliveryId: number | null;
}

/** Validates a delivery completely, then (unless invalid or a dry run) writes it in one transaction. Throws only on I/O failures. */
export async function importDelivery(options: ImportOptions): Promise<ImportResult> {
  const problems = checkDescription(options.delivery, options.files);
  if (problems.length > 0) throw new Error(problems.join(' '));
  const { delivery } = options;
  const period = { from: delivery.from, to: delivery.to };
  const report = new ValidationReport(options.maxPerCode);

  const existing = openExisting(options.store);
  let deliveries: DeliveryRecord[] = [];
  let known = { codes: new Map<string, number>(), max: 0 };
  if (existing) {
    try {
      deliveries = readDeliveries(existing);
      known = readAreaCodes(existing);
    } finally {
      existing.close();
    }
  }
  const overlaps = overlapping(deliveries, period);
  if (overlaps.length > 0 && !options.replace) {
    report.add({
      code: 'PERIOD_OVERLAP',
      message: `the period ${period.from} to ${period.to} overlaps ${overlaps.map(describeDelivery).join(', ')} in ${options.store}; pass --replace to replace ${overlaps.length === 1 ? 'it' : 'them'}, or fix --from/--to`,
    });
  }

  const staging = new Staging();
  try {
    const dictionary = new AreaDictionary(known.codes, known.max);
    const context = {
      staging, frame: options.frame, period, protectedByProviderK: delivery.protectedByProviderK ?? null, report, dictionary,
      onProgress: options.onProgress, signal: options.signal,
    };
    const files: StagedFile[] = [];
    for (const kind of FILE_KINDS) {
      const file = options.files[kind];
      if (!file) continue;
      const staged = await stageFile(kind, file, context);
      if (staged) files.push(staged);
    }
    if (!report.valid) return { outcome: 'refused', report, files, overlaps, deliveryId: null };
    if (options.dryRun) return { outcome: 'validated', report, files, overlaps, deliveryId: null };
    staging.saveDictionary(dictionary);
    const deliveryId = writeDelivery(options.store, { delivery, files, staging, replace: overlaps, knownMaxCode: known.max }, options.hooks);
    return { outcome: 'imported', report, files, overlaps, deliveryId };
  } finally {
    staging.remove();
  }
}
