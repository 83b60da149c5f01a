// Column lists of the core tables the demo fills (workspace_id is added by the writer), in row-array order.
import type { JsonColumn } from '../../store/port.ts';

/** A table the bulk writer appends to; rows are arrays in `columns` order. */
export interface TableDef {
  name: string;
  columns: JsonColumn[];
}

const c = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });
const table = (name: string, ...columns: JsonColumn[]): TableDef => ({ name, columns });

export const T = {
  channels: table('channels', c('id', 'text'), c('name', 'text'), c('kind', 'text'), c('created_at', 'timestamptz')),
  products: table('products', c('id', 'text'), c('name', 'text'), c('category', 'text'), c('price', 'numeric'), c('attributes', 'json'), c('updated_at', 'timestamptz')),
  tagGroups: table('tag_groups', c('id', 'text'), c('name', 'text'), c('description', 'text'), c('exclusive', 'boolean'), c('created_at', 'timestamptz')),
  tags: table('tags', c('id', 'text'), c('name', 'text'), c('group_id', 'text'), c('kind', 'text'), c('description', 'text'), c('created_at', 'timestamptz')),
  members: table(
    'members',
    c('id', 'text'), c('merged_into', 'text'), c('source_channel', 'text'), c('name', 'text'), c('gender', 'text'), c('birthday', 'date'), c('city', 'text'),
    c('region', 'text'), c('phone', 'text'), c('email', 'text'), c('attributes', 'json'), c('created_at', 'timestamptz'), c('updated_at', 'timestamptz'),
    // name, phone and email are sealed (src/core/pii); their lookup hashes beside them
    c('name_hash', 'text'), c('phone_hash', 'text'), c('email_hash', 'text'),
  ),
  identities: table(
    'identities',
    c('type', 'text'), c('value', 'text'), c('member_id', 'text'), c('source_channel', 'text'), c('app_id', 'text'),
    c('first_seen_at', 'timestamptz'), c('last_seen_at', 'timestamptz'), c('value_enc', 'text'),
  ),
  events: table(
    'events',
    c('message_id', 'text'), c('member_id', 'text'), c('user_id', 'text'), c('anonymous_id', 'text'), c('type', 'text'), c('name', 'text'),
    c('channel', 'text'), c('properties', 'json'), c('context', 'json'), c('ts', 'timestamptz'), c('received_at', 'timestamptz'),
  ),
  orders: table(
    'orders',
    c('id', 'text'), c('member_id', 'text'), c('status', 'text'), c('amount', 'numeric'), c('discount', 'numeric'), c('refunded_amount', 'numeric'),
    c('currency', 'text'), c('coupon_code', 'text'), c('points_used', 'bigint'), c('channel', 'text'), c('store_id', 'text'), c('item_count', 'bigint'),
    c('paid_at', 'timestamptz'), c('attributes', 'json'), c('created_at', 'timestamptz'), c('updated_at', 'timestamptz'),
  ),
  orderItems: table(
    'order_items',
    c('order_id', 'text'), c('line_no', 'bigint'), c('member_id', 'text'), c('product_id', 'text'), c('name', 'text'), c('category', 'text'),
    c('quantity', 'numeric'), c('unit_price', 'numeric'), c('amount', 'numeric'),
  ),
  refunds: table(
    'refunds',
    c('id', 'text'), c('order_id', 'text'), c('member_id', 'text'), c('amount', 'numeric'), c('reason', 'text'), c('items', 'json'),
    c('channel', 'text'), c('refunded_at', 'timestamptz'), c('created_at', 'timestamptz'),
  ),
  memberMerges: table(
    'member_merges',
    c('id', 'text'), c('from_member_id', 'text'), c('into_member_id', 'text'), c('reason', 'text'), c('identity_type', 'text'),
    c('identity_value', 'text'), c('moved', 'json'), c('merged_at', 'timestamptz'),
  ),
  memberTraits: table('member_traits', c('member_id', 'text'), c('first_seen_at', 'timestamptz'), c('last_seen_at', 'timestamptz'), c('updated_at', 'timestamptz')),
  memberTags: table('member_tags', c('member_id', 'text'), c('tag_id', 'text'), c('source', 'text'), c('added_at', 'timestamptz')),
} satisfies Record<string, TableDef>;

/** Every table holding demo rows, children before parents (the order a reset deletes them in). */
export const DEMO_TABLES = [
  'member_tags', 'member_traits', 'refunds', 'order_items', 'orders', 'events', 'identities', 'member_merges', 'members',
  'tags', 'tag_groups', 'products', 'channels',
];
