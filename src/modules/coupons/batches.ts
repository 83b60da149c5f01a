// Code batches: generating N unguessable codes (up to a million, in chunks) or uploading a TXT/CSV list, all or
// nothing; listing a template's batches and paging through a batch's codes.
import { newId } from '../../core/ids.ts';
import { SiyuError, notFound } from '../../core/errors.ts';
import { assertCodeSpace } from '../../core/loyalty/index.ts';
import type { Store } from '../../store/port.ts';
import { checkUpload, codeFormatOf, codeLinesOf, existingCodesError, parseCodeText, type CodeLine } from './code-text.ts';
import { codeRepo, type BatchRow, type CodeRow } from './code-repo.ts';
import { CHUNK, mintCodes } from './mint.ts';
import type { GenerateBody, UploadBody } from './schema.ts';
import type { TemplateRow } from './template-repo.ts';
import { withField } from './views.ts';

export interface CodePage {
  batch_id: string;
  data: Pick<CodeRow, 'code' | 'status' | 'claimed_at'>[];
  next_cursor: string | null;
}

const assertUsable = (t: TemplateRow) => {
  if (t.status === 'archived') throw new SiyuError('conflict', 'coupon_template.not_active', `Coupon template ${t.name} is archived`, { field: 'template' });
};

export class Batches {
  private readonly codes;

  constructor(private readonly store: Store) {
    this.codes = codeRepo(store);
  }

  /** Generates `count` codes; refuses a format short enough to guess into (this batch plus codes of that shape). */
  async generate(ws: string, t: TemplateRow, body: GenerateBody): Promise<BatchRow> {
    assertUsable(t);
    const field = body.format !== undefined ? 'format' : 'code_format';
    const f = codeFormatOf(body.format ?? t.code_format, field);
    const existing = await this.codes.countLike(this.store, ws, f.prefix, f.prefix.length + f.length);
    withField(field, () => assertCodeSpace(f, existing + body.count));
    const id = newId('cpb');
    const now = new Date().toISOString();
    const kind = body.shared ? 'shared' : 'batch';
    return this.store.transaction(async (tx) => {
      const row = { id, template_id: t.id, name: body.name ?? null, kind: 'generated' as const, shared: body.shared, format: { length: f.length, alphabet: f.alphabet, prefix: f.prefix }, code_count: body.count };
      await this.codes.insertBatch(tx, ws, row, now);
      await mintCodes(tx, this.codes, ws, f, body.count, { template_id: t.id, batch_id: id, kind, status: 'available', now });
      return { ...row, created_at: now, claimed: 0 };
    });
  }

  /**
   * Stores uploaded codes as one batch, or nothing: malformed and repeated lines, and codes that already exist
   * in the workspace, fail the upload with their line numbers.
   */
  async upload(ws: string, t: TemplateRow, body: UploadBody): Promise<BatchRow> {
    assertUsable(t);
    const lines: CodeLine[] = checkUpload(body.text !== undefined ? parseCodeText(body.text, body.format) : codeLinesOf(body.codes ?? []));
    const id = newId('cpb');
    const now = new Date().toISOString();
    const kind = body.shared ? 'shared' : 'batch';
    return this.store.transaction(async (tx) => {
      const row = { id, template_id: t.id, name: body.name ?? null, kind: 'uploaded' as const, shared: body.shared, format: null, code_count: lines.length };
      await this.codes.insertBatch(tx, ws, row, now);
      const clashes: CodeLine[] = [];
      for (let i = 0; i < lines.length; i += CHUNK) {
        const chunk = lines.slice(i, i + CHUNK);
        const inserted = await this.codes.insertCodes(tx, ws, chunk.map((l) => l.code), { template_id: t.id, batch_id: id, kind, status: 'available', now });
        for (const l of chunk) if (!inserted.has(l.code)) clashes.push(l);
      }
      if (clashes.length > 0) throw existingCodesError(clashes);
      return { ...row, created_at: now, claimed: 0 };
    });
  }

  list(ws: string, t: TemplateRow): Promise<BatchRow[]> {
    return this.codes.batches(this.store, ws, t.id);
  }

  /** A page of a batch's codes in code order; pass next_cursor back for the next page. */
  async page(ws: string, batchId: string, q: { limit: number; cursor?: string; status?: string }): Promise<CodePage> {
    const batch = await this.codes.batch(this.store, ws, batchId);
    if (!batch) throw notFound('coupon_batch.not_found', `No code batch ${batchId}`, 'id');
    const after = q.cursor ? Buffer.from(q.cursor, 'base64url').toString('utf8') : undefined;
    const rows = await this.codes.page(this.store, ws, batchId, { limit: q.limit + 1, after, status: q.status });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      batch_id: batchId,
      data: page.map((r) => ({ code: r.code, status: r.status, claimed_at: r.claimed_at })),
      next_cursor: rows.length > q.limit && last ? Buffer.from(last.code).toString('base64url') : null,
    };
  }
}
