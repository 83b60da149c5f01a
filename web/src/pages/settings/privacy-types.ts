// Response shapes of the audit and privacy routes (the OpenAPI document describes requests only).
export interface AuditRow {
  seq: number;
  id: string;
  kind: 'request' | 'ingest_summary';
  occurred_at: string;
  actor: string | null;
  actor_type: string | null;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  route: string | null;
  resource_id: string | null;
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  before: unknown;
  after: unknown;
  detail: { requests?: number; messages?: number; failed?: number; minute?: string; routes?: Record<string, number> } | null;
  hash: string;
}

export interface AuditPage {
  data: AuditRow[];
  next_cursor: string | null;
}

export interface AuditVerify {
  ok: boolean;
  rows: number;
  last_seq: number;
  last_hash: string;
  broken: { seq: number; reason: string } | null;
}

export interface PrivacyRequest {
  id: string;
  kind: 'export' | 'erase';
  member_id: string;
  member_ref: string | null;
  actor_type: string | null;
  actor_id: string | null;
  actor_name: string | null;
  reason: string | null;
  status: string;
  counts: Record<string, number> | null;
  created_at: string;
  finished_at: string | null;
}

export interface EraseAnswer {
  erased: boolean;
  request: PrivacyRequest;
}
