// Calendar helpers of the compiler: local dates, local midnights and anniversary ranges.
import { describe, expect, it } from 'vitest';
import { anniversaryRanges, localDate, startOfLocalDay } from './time.ts';

describe('time helpers', () => {
  it('gives the local date and the start of a local day', () => {
    expect(localDate('2026-03-10T15:59:59Z', 'Asia/Shanghai')).toBe('2026-03-10');
    expect(localDate('2026-03-10T16:00:00Z', 'Asia/Shanghai')).toBe('2026-03-11');
    expect(startOfLocalDay('2026-03-10', 'Asia/Shanghai')).toBe('2026-03-09T16:00:00.000Z');
    expect(startOfLocalDay('2026-03-10', 'UTC')).toBe('2026-03-10T00:00:00.000Z');
    // DST: New York switches to UTC-4 on 2026-03-08 at 02:00
    expect(startOfLocalDay('2026-03-08', 'America/New_York')).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfLocalDay('2026-03-09', 'America/New_York')).toBe('2026-03-09T04:00:00.000Z');
    expect(() => localDate('2026-03-10T00:00:00Z', 'Mars/Base')).toThrow(/unknown time zone/);
  });

  it('builds month-day ranges across month ends, the new year and 29 February', () => {
    expect(anniversaryRanges('2026-03-10', 7)).toEqual([[310, 317]]);
    expect(anniversaryRanges('2026-03-30', 3)).toEqual([[330, 402]]);
    expect(anniversaryRanges('2026-12-30', 3)).toEqual([[101, 102], [1230, 1231]]);
    expect(anniversaryRanges('2027-02-28', 0)).toEqual([[228, 229]]); // common year: 29 Feb counts on the 28th
    expect(anniversaryRanges('2027-03-01', 0)).toEqual([[301, 301]]);
    expect(anniversaryRanges('2028-02-28', 0)).toEqual([[228, 228]]);
    expect(anniversaryRanges('2026-01-01', 366)).toEqual([[101, 1231]]);
  });
});
