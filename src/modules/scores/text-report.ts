// Plain-text tables of score reports for the CLI, and the RFM CSV rows (RFC 4180, exact column names).

/** The columns of `siyu rfm compute --out FILE.csv`, in order. */
export const RFM_CSV_COLUMNS = ['member_id', 'user_id', 'recency_days', 'frequency', 'monetary', 'r_score', 'f_score', 'm_score', 'segment'] as const;

/** One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); null/undefined as empty. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Display width: CJK and full-width characters take two columns in a terminal. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

/**
 * Aligns rows of cells into columns (numbers right-aligned), two spaces apart.
 * @example table([['segment', 'members'], ['important_value', 12]])
 */
export function table(rows: Array<Array<string | number | null>>): string {
  const text = rows.map((r) => r.map((c) => (c === null ? '-' : String(c))));
  const widths = text[0].map((_, i) => Math.max(...text.map((r) => width(r[i] ?? ''))));
  return (
    text
      .map((r, ri) =>
        r
          .map((c, i) => {
            const pad = ' '.repeat(widths[i] - width(c));
            return ri > 0 && typeof rows[ri][i] === 'number' ? pad + c : c + pad;
          })
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const fixed = (x: number | null, d = 1) => (x === null || x === undefined ? null : Number(x).toFixed(d));

/** The RFM distribution (GET /api/rfm/distribution or the compute response) as a table. */
export function rfmDistributionText(d: { members: number; revenue: number; segments: any[] }): string {
  const head = ['segment', '名称', 'name', 'members', 'share', 'revenue', 'rev share', 'avg R days', 'avg F', 'avg M'];
  const rows = d.segments.map((s) => [
    s.segment, s.name_zh, s.name_en, s.count, pct(s.share), s.revenue.toFixed(2), pct(s.revenue_share),
    fixed(s.avg_recency_days), fixed(s.avg_frequency, 2), fixed(s.avg_monetary, 2),
  ]);
  return table([head, ...rows, ['total', '', '', d.members, d.members ? '100.0%' : '0.0%', d.revenue.toFixed(2), d.revenue ? '100.0%' : '0.0%', null, null, null]]);
}

/** The R×F grid as a 5×5 matrix of member counts (rows R 5→1, columns F 1→5). */
export function rfmGridText(g: { cells: Array<{ r_score: number; f_score: number; count: number }> }): string {
  const at = (r: number, f: number) => g.cells.find((c) => c.r_score === r && c.f_score === f)?.count ?? 0;
  const rows: Array<Array<string | number>> = [['R \\ F', 1, 2, 3, 4, 5].map(String)];
  for (let r = 5; r >= 1; r--) rows.push([`R=${r}`, ...[1, 2, 3, 4, 5].map((f) => at(r, f))]);
  return table(rows);
}

/** Lifecycle stages or value tiers with counts and shares. */
export function labelText(key: 'stage' | 'tier', labels: any[], members: number): string {
  const head = [key, '名称', 'name', 'members', 'share', ...(key === 'tier' ? ['spend', 'spend share'] : [])];
  const rows = labels.map((l) => [l[key], l.name_zh, l.name_en, l.count, pct(l.share), ...(key === 'tier' ? [Number(l.spend).toFixed(2), pct(l.spend_share)] : [])]);
  return table([head, ...rows, ['total', '', '', members, members ? '100.0%' : '0.0%']]);
}

/** A transition matrix: rows = stage on `from`, columns = stage on `to`, with row totals. */
export function transitionsText(m: { states: string[]; counts: Record<string, Record<string, number>>; row_totals: Record<string, number> }): string {
  const rows: Array<Array<string | number>> = [['from \\ to', ...m.states, 'total']];
  for (const a of m.states) rows.push([a, ...m.states.map((b) => m.counts[a][b]), m.row_totals[a]]);
  return table(rows);
}
