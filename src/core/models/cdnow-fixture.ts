// Test support only (never imported by the models): loads the CDNOW reference files from ../shared/data/cdnow.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the CDNOW files, relative to the project root. */
export const CDNOW_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/cdnow');
export const SUMMARY_FILE = resolve(CDNOW_DIR, 'cdnow_customers_summary_with_transactions.csv');
export const PREDICTIONS_FILE = resolve(CDNOW_DIR, 'reference_predictions.csv');
export const PARAMS_FILE = resolve(CDNOW_DIR, 'reference_params.json');

/** True when all reference files are present. */
export const cdnowAvailable = [SUMMARY_FILE, PREDICTIONS_FILE, PARAMS_FILE].every((f) => existsSync(f));

/** Reads a small numeric CSV with a header into objects keyed by column name. */
export function readNumericCsv(file: string): Record<string, number>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, Number(cells[i])]));
  });
}

/** The 2,357 calibration summaries (ID, x, t_x, T, zbar). */
export function loadSummary(): { id: number; x: number; tx: number; T: number; zbar: number }[] {
  return readNumericCsv(SUMMARY_FILE).map((r) => ({ id: r.ID, x: r.x, tx: r.t_x, T: r.T, zbar: r.zbar }));
}

/** The reference outputs of lifetimes 0.11.3 (see reference_params.json). */
export function loadReferenceParams(): any {
  return JSON.parse(readFileSync(PARAMS_FILE, 'utf8'));
}
