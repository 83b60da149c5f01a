// The RFM CSV writer against a scripted API: paging, quoting, and refusing a run that changed mid-way.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../cli/api-client.ts';
import { writeRfmCsv } from '../../cli/commands/rfm.ts';
import { csvField, labelText, table, transitionsText } from './text-report.ts';
import { transitionsFromCounts } from './report.ts';

const row = (id: string, extra: Record<string, unknown> = {}) => ({
  member_id: id, user_id: 'u' + id, recency_days: 1, frequency: 2, monetary: 3.5, r_score: 5, f_score: 4, m_score: 3, segment: 'important_value', ...extra,
});

/** An API that answers GET /api/rfm/members with the given pages in order and records the URLs asked. */
function scripted(pages: Array<{ run_id: string; data: any[]; next_cursor: string | null }>): ApiClient & { urls: string[] } {
  const urls: string[] = [];
  return {
    via: 'test',
    urls,
    async request(_method: string, path: string) {
      urls.push(path);
      return { status: 200, body: pages[urls.length - 1] as any };
    },
    async close() {},
  };
}

describe('writeRfmCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-rfm-csv-'));

  it('follows next_cursor and quotes fields per RFC 4180', async () => {
    const api = scripted([
      { run_id: 'r1', data: [row('a'), row('b', { user_id: 'x,"y"' })], next_cursor: 'b' },
      { run_id: 'r1', data: [row('c', { user_id: null })], next_cursor: null },
    ]);
    const file = join(dir, 'ok.csv');
    expect(await writeRfmCsv(api, file, 'r1')).toBe(3);
    expect(api.urls).toEqual(['/api/rfm/members?limit=50000', '/api/rfm/members?limit=50000&cursor=b']);
    expect(readFileSync(file, 'utf8')).toBe(
      'member_id,user_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment\r\n' +
        'a,ua,1,2,3.5,5,4,3,important_value\r\n' +
        'b,"x,""y""",1,2,3.5,5,4,3,important_value\r\n' +
        'c,,1,2,3.5,5,4,3,important_value\r\n',
    );
  });

  it('fails and leaves no file when another run replaced the rows', async () => {
    const api = scripted([
      { run_id: 'r1', data: [row('a')], next_cursor: 'a' },
      { run_id: 'r2', data: [row('b')], next_cursor: null },
    ]);
    const file = join(dir, 'changed.csv');
    await expect(writeRfmCsv(api, file, 'r1')).rejects.toMatchObject({ code: 'rfm.run_changed' });
    expect(existsSync(file) || existsSync(`${file}.part`)).toBe(false);
  });
});

describe('text helpers', () => {
  it('quotes only when needed', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 12.5].map(csvField)).toEqual(['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '', '12.5']);
  });
  it('prints a transition matrix with row totals and a tier table with spend', () => {
    const m = transitionsFromCounts([{ from_stage: 'new', to_stage: 'repeat', n: 3 }, { from_stage: 'absent', to_stage: 'new', n: 1 }]);
    const text = transitionsText({ states: [...m.states], counts: m.counts, row_totals: m.rowTotals });
    expect(text.split('\n')[0]).toMatch(/^from \\ to\s+prospect\s+new\s+active\s+repeat\s+at_risk\s+silent\s+churned\s+absent\s+total$/);
    expect(text).toMatch(/\nnew\s+0\s+0\s+0\s+3\s+0\s+0\s+0\s+0\s+3\n/);
    const tiers = labelText('tier', [{ tier: 'high_value', name_zh: '高价值', name_en: 'High value', count: 2, share: 0.5, spend: 300, spend_share: 0.75 }], 4);
    expect(tiers).toMatch(/high_value\s+高价值\s+High value\s+2\s+50\.0%\s+300\.00\s+75\.0%/);
  });
  it('aligns CJK text by display width and right-aligns numbers', () => {
    expect(table([['segment', 'n'], ['重要', 5], ['ab', 12]])).toBe('segment  n\n重要      5\nab       12\n');
  });
});
