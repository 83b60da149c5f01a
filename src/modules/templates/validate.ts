// Save-time validation of a template's content: the per-channel shape (zod), the Liquid checks of every field,
// and one render with the schema's example values, so limits a template can never meet are refused on save.
import { invalid } from '../../core/errors.ts';
import { channelsOf, TemplateContent, type MessagingChannelType } from './channels.ts';
import { compileChannel, type CompiledChannel } from './compile.ts';
import { RenderFailure, renderChannel } from './render.ts';
import { SAVE_MEMORY_LIMIT } from './engine.ts';
import { exampleOf, pathText, type VariableSchema } from './variables.ts';

/** Parses content against the channel shapes; 400 `template.content_invalid` naming the field (`content.sms.text`). */
export function parseContent(raw: unknown): TemplateContent {
  const r = TemplateContent.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = ['content', ...issue.path.map(String)].join('.');
  throw invalid('template.content_invalid', `${field}: ${issue.message}`, field, { issues: r.error.issues.map((i) => ({ field: ['content', ...i.path.map(String)].join('.'), message: i.message })) });
}

export interface CheckedContent {
  content: TemplateContent;
  channels: Map<MessagingChannelType, CompiledChannel>;
  /** Distinct variable paths the content reads (`member.name`, `coupon.code`), sorted. */
  variables: string[];
}

/** An example render scope from the schema (every root filled with its example values). */
export function exampleScope(schema: VariableSchema): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).map(([k, s]) => [k, exampleOf(s)]));
}

/**
 * Everything a save checks: shape, Liquid syntax, filters, tags, variables against `schema`, and a render with
 * example values under a tenth of the send-time allocation budget (loops, output size, SMS segments, WeCom
 * lengths). Throws the first problem as a 400.
 */
export function checkContent(raw: unknown, schema: VariableSchema): CheckedContent {
  const content = parseContent(raw);
  const channels = new Map<MessagingChannelType, CompiledChannel>();
  const variables = new Set<string>();
  for (const ch of channelsOf(content)) {
    const compiled = compileChannel(ch, content[ch], schema);
    channels.set(ch, compiled);
    for (const p of compiled.paths) variables.add(pathText(p));
  }
  const scope = exampleScope(schema);
  for (const [ch, compiled] of channels) {
    try {
      renderChannel({ channel: ch, content: content[ch], fields: compiled.fields }, scope, { memoryLimit: SAVE_MEMORY_LIMIT });
    } catch (e) {
      if (!(e instanceof RenderFailure)) throw e;
      throw invalid(e.code, `${e.message} (rendered with example values)`, e.field ?? `content.${ch}`);
    }
  }
  return { content, channels, variables: [...variables].sort() };
}
