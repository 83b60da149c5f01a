// Saves a file the API renders (audit export, privacy export) with the signed-in credentials: a plain link carries none.
import { ApiError } from '../../api/client';

/** Fetches `url` with the bearer key and saves the body as `filename`. */
export async function downloadFile(key: string | null, url: string, filename: string): Promise<void> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok) {
    const d = (await res.json().catch(() => ({}))) as { code?: string; message?: string; field?: string };
    throw new ApiError(res.status, d.code ?? `http.${res.status}`, d.message ?? res.statusText, d.field);
  }
  saveBlob(await res.blob(), filename);
}

/** Offers a blob as a download. */
export function saveBlob(blob: Blob, filename: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
