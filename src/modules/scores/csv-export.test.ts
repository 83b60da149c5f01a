// The RFM CSV writer against a scripted API: paging, quoting, and refusing a run that changed mid-way.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../cli/api-client.ts';
import { writeRfmCsv } from '../../cli/commands/rfm.ts';
import { csvField, table } from './text-report.ts';

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
  it('aligns CJK text by display width and right-aligns numbers', () => {
    expect(table([['segment', 'n'], ['重要', 5], ['ab', 12]])).toBe('segment  n\n重要      5\nab       12\n');
  });
});
