// The one pipeline every message goes through (broadcasts now, journeys next): for a batch of members resolve
// addresses for the channel, admit them through the guard rails, render the template for all of them at once, hand
// the messages to messaging's at-most-once send, and report each member's outcome. Batch-oriented: a fixed number of
// queries per batch, whatever its size.
import { Counter, type Registry } from 'prom-client';
import { invalid } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { SendInput } from '../messaging/sender.ts';
import type { TemplateService } from '../templates/service.ts';
import { ADDRESS_PLANS, buildAddresses, loadAddressRows } from './addresses.ts';
import { OPEN_GUARD, type Guard, type GuardDecision } from './guard.ts';
import type { DeliveryOutcome, DeliveryReport, DeliveryRequest } from './types.ts';

export interface DeliveryDeps {
  store: Store;
  templates: TemplateService;
  messaging: MessagingService;
  /** The guard rails (the consent module's); asked per delivery, so it may be installed after this service. */
  guard?: () => Guard | null | undefined;
  registry?: Registry;
}

/** Members whose template context loads in one round: larger rounds amortise DuckDB's scans of the member tables. */
const DEFAULT_LOAD_CHUNK = 25_000;

/**
 * Messages claimed in the send ledger per statement: 25,000 on a single-process store (DuckDB: each statement that
 * completes a claim scans the ledger, so fewer, larger claims cost less per message), 5,000 where several worker
 * processes share the work (PostgreSQL: indexed, and smaller claims leave less in flight when a worker dies).
 */
export const defaultSendChunk = (store: Store) => (store.capabilities.multiProcess ? 5_000 : 25_000);

const ms = (t: number) => Math.round((performance.now() - t) * 10) / 10;

/** Whether a failed send may still succeed on a retry (timeouts, 5xx, throttling), as messaging classified it. */
const retryableError = (e: { retryable: boolean } | undefined): boolean => e?.retryable === true;

/**
 * @example
 * const compiled = await templates.compile(ws, templateId, { version: 3 });
 * const r = await delivery.deliver(ws, { sourceKey: `broadcast:${id}`, channel: { id: ch.id, type: ch.type }, template: compiled, purpose: 'marketing', memberIds });
 * r.sent; r.skipped_by_reason; r.retry_at;
 */
export class DeliveryService {
  private readonly outcomes: Counter<'source' | 'outcome' | 'reason'> | null;

  constructor(private readonly deps: DeliveryDeps) {
    this.outcomes = deps.registry
      ? new Counter({ name: 'siyu_delivery_outcomes_total', help: 'Members through the delivery pipeline, by source kind and outcome (skip and deferral reasons)', labelNames: ['source', 'outcome', 'reason'], registers: [deps.registry] })
      : null;
  }

  /** The guard in force: the installed one, or one that admits everyone. */
  guard(): Guard {
    return this.deps.guard?.() ?? OPEN_GUARD;
  }

  async deliver(ws: string, req: DeliveryRequest): Promise<DeliveryReport> {
    if (req.template.channel !== req.channel.type) {
      throw invalid('delivery.channel_mismatch', `the template is compiled for ${req.template.channel}, the messaging channel is ${req.channel.type}`, 'channel');
    }
    const now = req.now ?? new Date();
    const ids = [...new Set(req.memberIds)];
    const timings: Record<string, number> = {};
    const outcomes: DeliveryOutcome[] = [];
    const plan = ADDRESS_PLANS[req.channel.type];

    // Addresses and the guard read different tables: ask both at once.
    let t = performance.now();
    const guard = req.guard === false ? null : this.guard();
    const guardRun: Promise<GuardDecision> = guard
      ? guard.admit(ws, { sourceKey: req.sourceKey, channelId: req.channel.id, channelType: req.channel.type, purpose: req.purpose, memberIds: ids, now }).finally(() => (timings.guard = ms(t)))
      : Promise.resolve({ admitted: ids, skipped: new Map(), deferred: new Map() });
    guardRun.catch(() => undefined); // awaited below; must not surface as unhandled if addresses fail first
    const rows = await loadAddressRows(this.deps.store, ws, ids, plan);
    timings.addresses = ms(t);
    const decision = await guardRun;

    const profiles = new Map(rows.profiles.map((p) => [p.id, p]));
    const addresses = buildAddresses(rows.profiles, rows.identities);
    const reachable = new Map<string, Record<string, string>>();
    for (const id of ids) {
      const p = profiles.get(id);
      if (!p) outcomes.push({ member_id: id, status: 'skipped', reason: 'member_not_found' });
      else if (p.merged_into) outcomes.push({ member_id: id, status: 'skipped', reason: 'member_merged', detail: p.merged_into });
      else {
        const to = req.to?.has(id) ? { ...addresses.get(id), ...req.to.get(id) } : addresses.get(id)!;
        if (plan.required && !to[plan.required]) outcomes.push({ member_id: id, status: 'skipped', reason: 'no_address', detail: plan.required });
        else reachable.set(id, to);
      }
    }
    for (const [id, reason] of decision.skipped) if (reachable.delete(id)) outcomes.push({ member_id: id, status: 'skipped', reason });
    for (const [id, d] of decision.deferred) if (reachable.delete(id)) outcomes.push({ member_id: id, status: 'deferred', retry_at: d.retryAt, reason: d.reason });
    const admitted = decision.admitted.filter((id) => reachable.has(id));
    // Admitted by the guard but not reachable here (merged, no address): their reservations go back.
    const released = decision.admitted.filter((id) => !reachable.has(id));

    t = performance.now();
    // Context for the whole batch in as few rounds as possible: each round scans the member tables (DuckDB).
    const rendered = await this.deps.templates.renderMany(ws, req.template, admitted, req.extras, { sourceKey: req.sourceKey, loadChunk: req.loadChunk ?? DEFAULT_LOAD_CHUNK });
    timings.render = ms(t);
    for (const [id, f] of rendered.failed) {
      outcomes.push({ member_id: id, status: 'skipped', reason: 'render_failed', detail: f.code });
      released.push(id);
    }

    const msgs: SendInput[] = [];
    for (const id of admitted) {
      const content = rendered.get(id);
      if (content) msgs.push({ memberId: id, to: reachable.get(id)!, content });
    }
    t = performance.now();
    if (msgs.length > 0) {
      const sent = await this.deps.messaging.send(ws, req.channel.id, msgs, req.sourceKey, { chunkSize: req.sendChunk ?? defaultSendChunk(this.deps.store), leaseMs: req.leaseMs, retryFailed: req.retryFailed });
      for (const o of sent.results) {
        if (o.status === 'in_flight') outcomes.push({ member_id: o.member_id, status: 'in_flight', retry_at: o.lease_until ?? null });
        else if (o.status === 'failed' || (o.status === 'skipped' && o.state === 'failed')) {
          const retryable = retryableError(o.error);
          // A permanent failure (4xx, invalid address) will never be sent: its cap slot and dedupe claim go back. A
          // retryable one (timeout, 5xx, throttling) keeps them: a retry (`retryFailed`) may still send it, and must
          // not find its slot taken by another campaign in the meantime.
          if (o.status === 'failed' && !retryable) released.push(o.member_id);
          outcomes.push(o.status === 'skipped'
            ? { member_id: o.member_id, status: 'failed', send_id: o.send_id, code: o.error?.code ?? null, retryable, earlier: true }
            : { member_id: o.member_id, status: 'failed', send_id: o.send_id, code: o.error?.code ?? null, retryable });
        } else outcomes.push(o.status === 'skipped' ? { member_id: o.member_id, status: 'sent', send_id: o.send_id, earlier: true } : { member_id: o.member_id, status: 'sent', send_id: o.send_id });
      }
    }
    timings.send = ms(t);
    if (guard?.release && released.length > 0) await guard.release(ws, req.sourceKey, released);
    return this.report(req.sourceKey, outcomes, timings);
  }

  private report(sourceKey: string, outcomes: DeliveryOutcome[], timings: Record<string, number>): DeliveryReport {
    const r: DeliveryReport = { source_key: sourceKey, sent: 0, failed: 0, skipped: 0, deferred: 0, in_flight: 0, skipped_by_reason: {}, retry_at: null, outcomes, timings };
    const byLabel = new Map<string, number>();
    let sent = 0;
    for (const o of outcomes) {
      // The usual outcome counted without a label key (a broadcast chunk is tens of thousands of them).
      if (o.status === 'sent') {
        sent++;
        continue;
      }
      r[o.status] += 1;
      const reason = o.status === 'skipped' || o.status === 'deferred' ? o.reason : '';
      if (o.status === 'skipped') r.skipped_by_reason[o.reason] = (r.skipped_by_reason[o.reason] ?? 0) + 1;
      if ((o.status === 'deferred' || o.status === 'in_flight') && o.retry_at && (!r.retry_at || o.retry_at < r.retry_at)) r.retry_at = o.retry_at;
      const key = `${o.status}\u0000${reason}`;
      byLabel.set(key, (byLabel.get(key) ?? 0) + 1);
    }
    r.sent = sent;
    if (sent > 0) byLabel.set('sent\u0000', sent);
    if (this.outcomes) {
      const source = sourceKey.split(':')[0];
      for (const [key, n] of byLabel) {
        const [outcome, reason] = key.split('\u0000');
        this.outcomes.inc({ source, outcome, reason }, n);
      }
    }
    return r;
  }
}
