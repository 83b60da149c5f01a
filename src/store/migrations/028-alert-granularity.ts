// Migration 28: hourly monitors. A monitor's granularity ('day' or 'hour'; existing monitors stay daily), and the
// period keys of alerts and their history: the DATE columns of migration 27 keep the local date of the period, the
// new *_key columns the key itself (the date, or the local hour `YYYY-MM-DDTHH:00`). Rows from before are daily:
// their key is their date. DuckDB adds no column with a constraint, so the columns are plain on both engines.
export const version = 28;
export const name = 'alert-granularity';

export function up(): string[] {
  return [
    `ALTER TABLE alert_monitors ADD COLUMN granularity VARCHAR DEFAULT 'day'`,
    'ALTER TABLE alerts ADD COLUMN first_period_key VARCHAR',
    'ALTER TABLE alerts ADD COLUMN last_period_key VARCHAR',
    'ALTER TABLE alert_events ADD COLUMN period_key VARCHAR',
  ];
}
