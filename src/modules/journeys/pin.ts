// Publishing pins a definition: names become ids (segments, messaging channels, message templates, coupon
// templates) and each send its template version, so a published version keeps meaning the same thing when those are
// renamed or edited later. Every reference is checked here; errors point at the node that made it.
import { isSiyuError, SiyuError } from '../../core/errors.ts';
import { ruleDeps, parseRule } from '../segments/rules/index.ts';
import { cronError, isTimeZone } from '../jobs/cron.ts';
import type { Definition, Step } from './schema.ts';

export interface PinDeps {
  segmentId(ws: string, ref: string): Promise<string>;
  channel(ws: string, ref: string): Promise<{ id: string; type: string }>;
  /** The template's id and current version; `version` checked when given. Fails when it has no content for the channel. */
  template(ws: string, ref: string, channelType: string, version?: number): Promise<{ id: string; version: number }>;
  couponTemplate(ws: string, ref: string): Promise<string>;
}

/** Re-raises a lookup error at the definition node that referred to the missing thing. */
async function at<T>(field: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isSiyuError(e)) throw new SiyuError(e.type, e.code, `${field}: ${e.message}`, { field });
    throw e;
  }
}

async function checkRuleRefs(d: PinDeps, ws: string, rule: unknown, field: string): Promise<void> {
  for (const ref of ruleDeps(parseRule(rule, field)).segments) await at(field, () => d.segmentId(ws, ref));
}

/** A definition with references resolved and send versions pinned (the JSON stored as the published version). */
export async function pinDefinition(d: PinDeps, ws: string, def: Definition): Promise<Definition> {
  const trigger = { ...def.trigger };
  if (trigger.type === 'segment' || trigger.type === 'schedule' || (trigger.type === 'date' && trigger.segment)) {
    const ref = (trigger as { segment: string }).segment;
    (trigger as { segment: string }).segment = await at('definition.trigger.segment', () => d.segmentId(ws, ref));
  }
  if (trigger.type === 'schedule') {
    const why = cronError(trigger.cron);
    if (why) throw new SiyuError('invalid_data', 'journey.definition_invalid', `definition.trigger.cron: not a valid cron pattern: ${why}`, { field: 'definition.trigger.cron' });
    if (trigger.timezone && !isTimeZone(trigger.timezone)) throw new SiyuError('invalid_data', 'journey.definition_invalid', `definition.trigger.timezone: unknown time zone ${trigger.timezone}`, { field: 'definition.trigger.timezone' });
  }
  if (def.goal && 'rule' in def.goal) await checkRuleRefs(d, ws, def.goal.rule, 'definition.goal.rule');
  const steps: Record<string, Step> = {};
  for (const [id, s] of Object.entries(def.steps)) {
    const base = `definition.steps.${id}`;
    switch (s.type) {
      case 'send': {
        const ch = await at(`${base}.channel`, () => d.channel(ws, s.channel));
        const t = await at(`${base}.template`, () => d.template(ws, s.template, ch.type, s.template_version));
        steps[id] = { ...s, channel: ch.id, template: t.id, template_version: t.version };
        break;
      }
      case 'issue_coupon':
        steps[id] = { ...s, coupon: await at(`${base}.coupon`, () => d.couponTemplate(ws, s.coupon)) };
        break;
      case 'condition':
        await checkRuleRefs(d, ws, s.rule, `${base}.rule`);
        steps[id] = s;
        break;
      default:
        steps[id] = s;
    }
  }
  return { ...def, trigger, steps };
}
