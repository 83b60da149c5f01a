// Period keys as people read them: alerts and charts of hourly monitors carry local hours `YYYY-MM-DDTHH:00`, daily
// ones local dates.

/** True for an hour key. */
export const isHour = (key: string): boolean => key.length > 10;

/** `2024-06-03 10:00` for an hour, the date as it is. */
export const periodLabel = (key: string): string => key.replace('T', ' ');

/** A chart axis label: `06-03 10:00` for hours (the year only crowds the axis), the date as it is. */
export const axisLabel = (key: string): string => (isHour(key) ? `${key.slice(5, 10)} ${key.slice(11)}` : key);

/** First to last period of an alert: one label when they are equal, the day once when both are hours of one day. */
export function periodRange(first: string, last: string): string {
  if (first === last) return periodLabel(first);
  if (isHour(first) && first.slice(0, 10) === last.slice(0, 10)) return `${periodLabel(first)} ~ ${last.slice(11)}`;
  return `${periodLabel(first)} ~ ${periodLabel(last)}`;
}
