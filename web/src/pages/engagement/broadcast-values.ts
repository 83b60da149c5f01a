// The broadcast form's values and their mapping to the API body and back (create and edit a draft).
import dayjs, { type Dayjs } from 'dayjs';
import type { Broadcast, BroadcastSchedule } from '../../api/types';

export interface CreateValues {
  name: string;
  segment: string;
  template: string;
  channel: string;
  purpose: 'marketing' | 'service';
  holdout: number;
  when: 'now' | 'at' | 'local_time';
  at?: Dayjs;
  date?: Dayjs;
  time?: Dayjs;
  rate?: number | null;
}

export function scheduleOf(v: Pick<CreateValues, 'when' | 'at' | 'date' | 'time'>): BroadcastSchedule {
  if (v.when === 'at' && v.at) return { type: 'at', at: v.at.toISOString() };
  if (v.when === 'local_time' && v.date && v.time) return { type: 'local_time', date: v.date.format('YYYY-MM-DD'), time: v.time.format('HH:mm') };
  return { type: 'now' };
}

/** The request body of the form's values (create and edit). */
export function bodyOf(v: CreateValues) {
  return { name: v.name.trim(), segment: v.segment, template: v.template, channel: v.channel, purpose: v.purpose, holdout_share: (v.holdout ?? 0) / 100, schedule: scheduleOf(v), rate_limit_per_second: v.rate ?? null };
}

/** The form's values of a stored broadcast (editing a draft). */
export function valuesOf(b: Broadcast): CreateValues {
  const s = b.schedule;
  return {
    name: b.name, segment: b.segment_id ?? '', template: b.template_id ?? '', channel: b.channel_id ?? '', purpose: (b.purpose ?? 'marketing') as 'marketing',
    holdout: Math.round((b.holdout_share ?? 0) * 1000) / 10, rate: b.rate_limit_per_second ?? null, when: s?.type ?? 'now',
    at: s?.type === 'at' ? dayjs(s.at) : undefined, date: s?.type === 'local_time' ? dayjs(s.date) : undefined, time: s?.type === 'local_time' ? dayjs(`2000-01-01T${s.time}`) : undefined,
  };
}
