// The API's view of a broadcast row.
import type { BroadcastRow } from './repo.ts';

export function broadcastView(b: BroadcastRow) {
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    status: b.status,
    segment_id: b.segment_id,
    template_id: b.template_id,
    template_version: b.template_version,
    channel_id: b.channel_id,
    channel_type: b.channel_type,
    purpose: b.purpose,
    holdout_share: Number(b.holdout_share),
    schedule: b.schedule,
    rate_limit_per_second: b.rate_limit_per_second === null ? null : Number(b.rate_limit_per_second),
    source_key: `broadcast:${b.id}`,
    start_at: b.start_at,
    audience_count: b.audience_count === null ? null : Number(b.audience_count),
    holdout_count: b.holdout_count === null ? null : Number(b.holdout_count),
    chunk_count: b.chunk_count === null ? null : Number(b.chunk_count),
    error: b.error_code ? { code: b.error_code, message: b.error_message } : null,
    created_at: b.created_at,
    updated_at: b.updated_at,
    scheduled_at: b.scheduled_at,
    started_at: b.started_at,
    finished_at: b.finished_at,
  };
}
