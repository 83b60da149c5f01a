// Downloads a CSV report the API renders (`format=csv`) with the signed-in key: a plain link would carry no key.
import { ApiError } from '../../api/client';

export async function downloadCsv(key: string | null, url: string, filename: string): Promise<void> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok) {
    const d = (await res.json().catch(() => ({}))) as { code?: string; message?: string; field?: string };
    throw new ApiError(res.status, d.code ?? `http.${res.status}`, d.message ?? res.statusText, d.field);
  }
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Period defaults: the last 30 local days ending today, as YYYY-MM-DD. */
export function lastDays(days = 30): { from: string; to: string } {
  const d = (x: Date) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}-${String(x.getDate()).padStart(2, '0')}`;
  const to = new Date();
  const from = new Date(to.getTime() - (days - 1) * 86_400_000);
  return { from: d(from), to: d(to) };
}
