// Migration 17: staff-assisted operations (导购) — stores and staff (WeCom employees), members' assigned staff with
// the history of every (re)assignment, WeCom contacts per employee, orders attributed to staff and store, tasks for
// staff, and channel QR codes (渠道活码) with the contacts and group joins that arrived through them.
import type { DialectTypes } from '../port.ts';

export const version = 17;
export const name = 'staff';

export function up(t: DialectTypes): string[] {
  const tables = [
    // `code` is the store id the brand's systems use (orders.store_id), so orders find their store by it.
    `CREATE TABLE stores (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      code VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      city VARCHAR,
      region VARCHAR,
      active BOOLEAN NOT NULL DEFAULT true,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, code)
    )`,
    // A staff member: store staff (导购) and/or a WeCom employee (userid). left_at is set when they leave (继承).
    `CREATE TABLE staff (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      userid VARCHAR,
      name VARCHAR NOT NULL,
      store_id VARCHAR,
      role VARCHAR,
      phone VARCHAR,
      email VARCHAR,
      active BOOLEAN NOT NULL DEFAULT true,
      left_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, userid)
    )`,
    // The current owner of each member (one row per member).
    `CREATE TABLE staff_assignments (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      staff_id VARCHAR,
      store_id VARCHAR,
      source VARCHAR NOT NULL,
      assigned_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
    // Append-only: every assignment and reassignment with its time, so "the member's staff at order time" is the
    // latest row at or before the order (ids sort by creation time and break ties).
    `CREATE TABLE staff_assignment_history (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      from_staff_id VARCHAR,
      to_staff_id VARCHAR,
      from_store_id VARCHAR,
      to_store_id VARCHAR,
      reason VARCHAR NOT NULL,
      effective_at TIMESTAMPTZ NOT NULL,
      recorded_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // WeCom external contacts per employee (from the contact events): added, and deleted when the relationship ends.
    `CREATE TABLE staff_contacts (
      workspace_id VARCHAR NOT NULL,
      staff_userid VARCHAR NOT NULL,
      external_userid VARCHAR NOT NULL,
      member_id VARCHAR,
      staff_id VARCHAR,
      state VARCHAR,
      qrcode_id VARCHAR,
      added_at TIMESTAMPTZ NOT NULL,
      deleted_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, staff_userid, external_userid)
    )`,
    // Each order's staff and store: from the order's own staff_id/store_id, else the member's staff at order time.
    `CREATE TABLE staff_order_attributions (
      workspace_id VARCHAR NOT NULL,
      order_id VARCHAR NOT NULL,
      member_id VARCHAR,
      staff_id VARCHAR,
      store_id VARCHAR,
      basis VARCHAR NOT NULL,
      paid_at TIMESTAMPTZ NOT NULL,
      attributed_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, order_id)
    )`,
    // Tasks for staff (1:1 message with a script, call, invite to a group). One per (source_key, member): journeys
    // and API callers may create the same task twice and get one.
    `CREATE TABLE staff_tasks (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      source_key VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      staff_id VARCHAR,
      store_id VARCHAR,
      type VARCHAR NOT NULL,
      script VARCHAR,
      due_at TIMESTAMPTZ,
      status VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      completed_at TIMESTAMPTZ,
      completion_note VARCHAR,
      overdue_at TIMESTAMPTZ,
      reminded_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, source_key, member_id)
    )`,
    `CREATE TABLE staff_settings (
      workspace_id VARCHAR NOT NULL,
      reminder_channel VARCHAR,
      reminder_cron VARCHAR,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id)
    )`,
    // Channel QR codes: a WeCom 联系我 (kind contact, one employee at a time, rotated) or 加入群聊 (kind group) way
    // whose state (≤30 characters) names the code in the events it causes.
    `CREATE TABLE qrcodes (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      state VARCHAR NOT NULL,
      channel_id VARCHAR NOT NULL,
      acquisition_channel VARCHAR,
      store_id VARCHAR,
      campaign VARCHAR,
      staff_ids ${t.json} NOT NULL,
      rotation VARCHAR NOT NULL,
      current_staff_id VARCHAR,
      rotation_seq BIGINT NOT NULL DEFAULT 0,
      chat_ids ${t.json} NOT NULL,
      welcome_template VARCHAR,
      welcome_text VARCHAR,
      tags ${t.json} NOT NULL,
      skip_verify BOOLEAN NOT NULL DEFAULT true,
      config_id VARCHAR,
      qr_code VARCHAR,
      group_welcome_template_id VARCHAR,
      active BOOLEAN NOT NULL DEFAULT true,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, state)
    )`,
    // Who arrived through a code (first arrival per member): a new contact (kind contact) or a group join (kind
    // group). left_at: the contact was deleted / the member left the group. effects_done_at: tags and attributes
    // were applied (a sweep finishes rows a crash left undone).
    `CREATE TABLE qrcode_arrivals (
      workspace_id VARCHAR NOT NULL,
      qrcode_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      external_userid VARCHAR,
      staff_userid VARCHAR,
      chat_id VARCHAR,
      arrived_at TIMESTAMPTZ NOT NULL,
      left_at TIMESTAMPTZ,
      effects_done_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, qrcode_id, member_id)
    )`,
  ];
  const indexes = [
    'CREATE INDEX staff_history_member ON staff_assignment_history (workspace_id, member_id, effective_at)',
    'CREATE INDEX staff_assignments_staff ON staff_assignments (workspace_id, staff_id)',
    'CREATE INDEX staff_tasks_staff ON staff_tasks (workspace_id, staff_id, status)',
    'CREATE INDEX staff_order_attr_staff ON staff_order_attributions (workspace_id, staff_id, paid_at)',
    'CREATE INDEX staff_contacts_member ON staff_contacts (workspace_id, member_id)',
    'CREATE INDEX qrcode_arrivals_member ON qrcode_arrivals (workspace_id, member_id)',
    'CREATE INDEX qrcode_arrivals_external ON qrcode_arrivals (workspace_id, external_userid)',
    'CREATE INDEX staff_assignments_store ON staff_assignments (workspace_id, store_id)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
