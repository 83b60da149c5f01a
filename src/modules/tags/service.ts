// Tags and tag groups: CRUD, bulk membership by member refs, exclusive groups, and moving tags on member merges.
import { newId } from '../../core/ids.ts';
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import type { ChangeFeed } from '../../core/change-feed.ts';
import { tagsRepo, type GroupRow, type MemberTag, type TagRow } from './repo.ts';

/** A tag as the API shows it. */
export interface TagView {
  id: string;
  name: string;
  kind: string;
  description: string | null;
  group: { id: string; name: string; exclusive: boolean } | null;
  created_at: string;
  member_count?: number;
}

export interface BulkTagResult {
  tag: TagView;
  /** The tag did not exist and was created by this request (create_missing_tag). */
  created_tag: boolean;
  requested: number;
  /** Distinct members the refs resolved to. */
  matched: number;
  added?: number;
  already_tagged?: number;
  /** Exclusive group: other tags of the group taken off these members. */
  removed_from_group?: number;
  removed?: number;
  not_tagged?: number;
  /** Refs that are malformed or match no member, in request order, each once. */
  not_found: string[];
}

const toView = (t: TagRow): TagView => ({
  id: t.id,
  name: t.name,
  kind: t.kind,
  description: t.description,
  group: t.group_id ? { id: t.group_id, name: t.group_name ?? '', exclusive: Boolean(t.exclusive) } : null,
  created_at: t.created_at,
  ...(t.member_count !== undefined ? { member_count: Number(t.member_count) } : {}),
});

const groupView = (g: GroupRow) => ({ ...g, exclusive: Boolean(g.exclusive), ...(g.tag_count !== undefined ? { tag_count: Number(g.tag_count) } : {}) });

export class TagsService {
  private readonly repo;

  constructor(
    private readonly store: Store,
    identity: IdentityPort,
    private readonly refs: MemberRefs,
    /** Committed tag changes are published here (tags: true), for segments. */
    private readonly changes?: ChangeFeed,
  ) {
    this.repo = tagsRepo(store);
    identity.onMerge('tags', (tx, ws, from, into) => this.repo.moveOnMerge(tx, ws, from, into));
  }

  // ---- groups ----

  async listGroups(ws: string) {
    return (await this.repo.groups(this.store, ws)).map(groupView);
  }

  async getGroup(ws: string, ref: string, db: SqlExecutor = this.store) {
    const g = await this.repo.group(db, ws, ref);
    if (!g) throw notFound('tag_group.not_found', `No tag group ${ref} / 未找到标签组`, 'group');
    return groupView(g);
  }

  async createGroup(ws: string, input: { name: string; description?: string; exclusive: boolean }) {
    return this.store.transaction(async (tx) => {
      if (await this.repo.group(tx, ws, input.name)) throw duplicateGroup(input.name);
      const id = newId('tgrp');
      await this.repo.insertGroup(tx, ws, { id, name: input.name, description: input.description ?? null, exclusive: input.exclusive, ts: new Date().toISOString() });
      return this.getGroup(ws, id, tx);
    });
  }

  async updateGroup(ws: string, ref: string, patch: { name?: string; description?: string | null; exclusive?: boolean }) {
    return this.store.transaction(async (tx) => {
      const g = await this.getGroup(ws, ref, tx);
      if (patch.name !== undefined && patch.name !== g.name) {
        const other = await this.repo.group(tx, ws, patch.name);
        if (other && other.id !== g.id) throw duplicateGroup(patch.name);
      }
      const exclusive = patch.exclusive ?? g.exclusive;
      if (exclusive && !g.exclusive) {
        const n = await this.repo.groupViolations(tx, ws, g.id);
        if (n > 0) {
          throw new SiyuError('conflict', 'tag_group.exclusive_violation', `${n} members hold more than one tag of group ${g.name}; remove them first`, {
            field: 'exclusive',
            details: { members: n },
          });
        }
      }
      await this.repo.updateGroup(tx, ws, {
        id: g.id,
        name: patch.name ?? g.name,
        description: patch.description === undefined ? g.description : patch.description,
        exclusive,
      });
      return this.getGroup(ws, g.id, tx);
    });
  }

  async deleteGroup(ws: string, ref: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const g = await this.getGroup(ws, ref, tx);
      await this.repo.deleteGroup(tx, ws, g.id);
    });
  }

  // ---- tags ----

  async listTags(ws: string, opts: { group?: string } = {}): Promise<TagView[]> {
    const groupId = opts.group ? (await this.getGroup(ws, opts.group)).id : undefined;
    return (await this.repo.tags(this.store, ws, groupId)).map(toView);
  }

  async getTag(ws: string, ref: string, db: SqlExecutor = this.store): Promise<TagView> {
    const t = await this.repo.tag(db, ws, ref);
    if (!t) throw notFound('tag.not_found', `No tag ${ref} / 未找到标签`, 'tag');
    return { ...toView(t), member_count: await this.repo.memberCount(db, ws, t.id) };
  }

  /** The id of a tag given by id or name (for member list filters); 404 `tag.not_found`. */
  async tagId(ws: string, ref: string, db: SqlExecutor = this.store): Promise<string> {
    const t = await this.repo.tag(db, ws, ref);
    if (!t) throw notFound('tag.not_found', `No tag ${ref} / 未找到标签`, 'tag');
    return t.id;
  }

  async createTag(ws: string, input: { name: string; group?: string; description?: string; kind: string }, db?: SqlExecutor): Promise<TagView> {
    const run = async (tx: SqlExecutor) => {
      const groupId = input.group ? (await this.getGroup(ws, input.group, tx)).id : null;
      const id = newId('tag');
      const ok = await this.repo.insertTag(tx, ws, { id, name: input.name, group_id: groupId, kind: input.kind, description: input.description ?? null, ts: new Date().toISOString() });
      if (!ok) throw new SiyuError('duplicate', 'tag.duplicate', `A tag named ${input.name} already exists / 标签已存在`, { field: 'name' });
      return this.getTag(ws, id, tx);
    };
    return db ? run(db) : this.store.transaction(run);
  }

  async updateTag(ws: string, ref: string, patch: { name?: string; group?: string | null; description?: string | null }): Promise<TagView> {
    return this.store.transaction(async (tx) => {
      const t = await this.getTag(ws, ref, tx);
      const rename = patch.name !== undefined && patch.name !== t.name;
      if (rename && (await this.repo.tag(tx, ws, patch.name!))) {
        throw new SiyuError('duplicate', 'tag.duplicate', `A tag named ${patch.name} already exists / 标签已存在`, { field: 'name' });
      }
      let groupId = t.group?.id ?? null;
      if (patch.group !== undefined) {
        const g = patch.group === null ? null : await this.getGroup(ws, patch.group, tx);
        groupId = g?.id ?? null;
        if (g && g.exclusive && g.id !== t.group?.id) {
          const n = await this.repo.moveViolations(tx, ws, t.id, g.id);
          if (n > 0) {
            throw new SiyuError('conflict', 'tag.exclusive_violation', `${n} members with this tag already hold another tag of the exclusive group ${g.name}`, {
              field: 'group',
              details: { members: n },
            });
          }
        }
      }
      await this.repo.updateTag(tx, ws, {
        id: t.id,
        name: patch.name ?? t.name,
        group_id: groupId,
        description: patch.description === undefined ? t.description : patch.description,
      }, rename);
      return this.getTag(ws, t.id, tx);
    });
  }

  /** Deletes a tag and every membership of it; returns how many members lost it. */
  async deleteTag(ws: string, ref: string): Promise<number> {
    const removed = await this.store.transaction(async (tx) => this.repo.deleteTag(tx, ws, (await this.getTag(ws, ref, tx)).id));
    this.published(ws, removed);
    return removed.length;
  }

  // ---- membership ----

  /**
   * Tags many members at once (one transaction, set-based). Refs that match nobody come back in `not_found`.
   * For a tag of an exclusive group, the members' other tags of that group are removed.
   */
  async addMembers(ws: string, tagRef: string, body: { members: string[]; source?: string; create_missing_tag?: boolean }): Promise<BulkTagResult> {
    let changed: string[] = [];
    const result = await this.store.transaction(async (tx) => {
      let created = false;
      let tag = await this.repo.tag(tx, ws, tagRef);
      if (!tag && body.create_missing_tag) {
        await this.createTag(ws, { name: tagRef, kind: 'manual' }, tx);
        tag = await this.repo.tag(tx, ws, tagRef);
        created = true;
      }
      if (!tag) throw notFound('tag.not_found', `No tag ${tagRef} (send create_missing_tag: true to create it) / 未找到标签`, 'tag');
      const { memberIds, notFound: missing } = await this.resolve(tx, ws, body.members);
      const removedFromGroup = tag.exclusive && tag.group_id ? await this.repo.clearGroup(tx, ws, tag.group_id, tag.id, memberIds) : 0;
      const added = await this.repo.addMembers(tx, ws, tag.id, memberIds, body.source ?? 'manual', new Date().toISOString());
      changed = memberIds;
      return {
        tag: await this.getTag(ws, tag.id, tx),
        created_tag: created,
        requested: body.members.length,
        matched: memberIds.length,
        added,
        already_tagged: memberIds.length - added,
        removed_from_group: removedFromGroup,
        not_found: missing,
      };
    });
    this.published(ws, changed);
    return result;
  }

  /** Untags many members at once; refs that match nobody come back in `not_found`. */
  async removeMembers(ws: string, tagRef: string, body: { members: string[] }): Promise<BulkTagResult> {
    let changed: string[] = [];
    const result = await this.store.transaction(async (tx) => {
      const tag = await this.getTag(ws, tagRef, tx);
      const { memberIds, notFound: missing } = await this.resolve(tx, ws, body.members);
      const removed = await this.repo.removeMembers(tx, ws, tag.id, memberIds);
      changed = memberIds;
      return {
        tag: await this.getTag(ws, tag.id, tx),
        created_tag: false,
        requested: body.members.length,
        matched: memberIds.length,
        removed,
        not_tagged: memberIds.length - removed,
        not_found: missing,
      };
    });
    this.published(ws, changed);
    return result;
  }

  /** Adds tags to one member (all or nothing); two tags of one exclusive group in one call are refused. */
  async addToMember(ws: string, ref: string, body: { tags: string[]; source?: string; create_missing_tag?: boolean }): Promise<MemberTag[]> {
    let changed: string[] = [];
    const result = await this.store.transaction(async (tx) => {
      const memberId = await this.refs.resolveOne(tx, ws, ref);
      changed = [memberId];
      const tags: TagRow[] = [];
      for (const name of [...new Set(body.tags)]) {
        let t = await this.repo.tag(tx, ws, name);
        if (!t && body.create_missing_tag) {
          await this.createTag(ws, { name, kind: 'manual' }, tx);
          t = await this.repo.tag(tx, ws, name);
        }
        if (!t) throw notFound('tag.not_found', `No tag ${name} / 未找到标签`, 'tags');
        tags.push(t);
      }
      const exclusiveGroups = tags.filter((t) => t.exclusive && t.group_id).map((t) => t.group_id);
      if (new Set(exclusiveGroups).size !== exclusiveGroups.length) {
        throw invalid('tag.exclusive_conflict', 'Two of these tags belong to the same exclusive group; a member can hold only one', 'tags');
      }
      const ts = new Date().toISOString();
      for (const t of tags) {
        if (t.exclusive && t.group_id) await this.repo.clearGroup(tx, ws, t.group_id, t.id, [memberId]);
        await this.repo.addMembers(tx, ws, t.id, [memberId], body.source ?? 'manual', ts);
      }
      return (await this.repo.tagsOf(tx, ws, [memberId])).get(memberId) ?? [];
    });
    this.published(ws, changed);
    return result;
  }

  /** Removes tags from one member; unknown tag names are a 404. */
  async removeFromMember(ws: string, ref: string, body: { tags: string[] }): Promise<MemberTag[]> {
    let changed: string[] = [];
    const result = await this.store.transaction(async (tx) => {
      const memberId = await this.refs.resolveOne(tx, ws, ref);
      changed = [memberId];
      for (const name of [...new Set(body.tags)]) await this.repo.removeMembers(tx, ws, (await this.getTag(ws, name, tx)).id, [memberId]);
      return (await this.repo.tagsOf(tx, ws, [memberId])).get(memberId) ?? [];
    });
    this.published(ws, changed);
    return result;
  }

  /** Tags of each member (for the 360 view and member lists). */
  tagsOf(db: SqlExecutor, ws: string, memberIds: string[]): Promise<Map<string, MemberTag[]>> {
    return this.repo.tagsOf(db, ws, memberIds);
  }

  /** Tells the change feed (after commit) which members' tags changed. */
  private published(ws: string, memberIds: string[]) {
    this.changes?.publish({ workspaceId: ws, memberIds, events: [], tags: true, committedAt: Date.now() });
  }

  private async resolve(tx: SqlExecutor, ws: string, refs: string[]) {
    const ids = await this.refs.resolveMany(tx, ws, refs);
    const notFoundRefs = [...new Set(refs.filter((_, i) => ids[i] === null))];
    const memberIds = [...new Set(ids.filter((id): id is string => id !== null))];
    return { memberIds, notFound: notFoundRefs };
  }
}

const duplicateGroup = (name: string) => new SiyuError('duplicate', 'tag_group.duplicate', `A tag group named ${name} already exists / 标签组已存在`, { field: 'name' });
