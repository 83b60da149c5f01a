// Phase 1 of the demo: when each member signs up, how often they buy, when they churn and whether they come back.
// Purchase rates are scaled afterwards so the expected number of orders hits the target exactly.
import { DAY_MS, dayAt, weightBetween, type Calendar } from './calendar.ts';
import type { Persona } from './catalog.ts';
import { Prng, cumulative } from './prng.ts';

/** A stretch of days [from, to) in which the member is active. */
export interface Period {
  from: number;
  to: number;
}

export interface MemberPlan {
  index: number;
  /** Sign-up instant (epoch ms); before the window for members who joined earlier. */
  signupMs: number;
  /** Day index of sign-up, or -1 for members who joined before the window. */
  signupDay: number;
  persona: Persona;
  /** Orders per unit of demand weight (about one day) while active. */
  rate: number;
  periods: Period[];
  /** Churned and later came back (a win-back). */
  comeback: boolean;
  /** Places the first order on the sign-up day (sign-up happened at the till or in the ordering mini-program). */
  firstOrderAtSignup: boolean;
  buyer: boolean;
}

export interface LifecycleOptions {
  members: number;
  /** Expected orders in total (the rates are scaled to it). */
  orders: number;
}

const PERSONAS: Persona[] = ['price', 'quality', 'novelty', 'casual'];
const PERSONA_CUM = cumulative([35, 27, 20, 18]);
const PERSONA_RATE: Record<Persona, number> = { price: 0.95, quality: 1.15, novelty: 1.05, casual: 0.8 };
const LEGACY_SHARE = 0.35;

/** Plans every member's life in the window (deterministic in `seed`). */
export function planMembers(seed: string, cal: Calendar, opts: LifecycleOptions): MemberPlan[] {
  const r = new Prng(`${seed}/lifecycle`);
  const n = cal.days.length;
  // Sign-ups follow demand plus the brand's growth, with extra spikes on promotion days (new-member coupons).
  const signupCum = cumulative(cal.days.map((d, i) => d.weight * (0.8 + (0.4 * i) / n) * (d.promotion ? 1.6 : 1)));
  const plans: MemberPlan[] = [];
  let fixedOrders = 0;
  for (let index = 0; index < opts.members; index++) {
    const legacy = r.chance(LEGACY_SHARE);
    const signupDay = legacy ? -1 : r.pickCumulative(signupCum);
    const signupMs = legacy
      ? cal.startMs - (1 + r.int(720)) * DAY_MS + r.int(DAY_MS)
      : cal.days[signupDay].startMs + (8 + r.int(14)) * 3_600_000 + r.int(3_600_000);
    const persona = PERSONAS[r.pickCumulative(PERSONA_CUM)];
    const buyer = r.chance(legacy ? 0.97 : 0.9);
    // Log-normal heterogeneity: a minority of regulars carries most of the orders (Pareto-like). The cap keeps the
    // far tail human: the most loyal regulars buy about every other day, not three times a day.
    const rate = buyer ? Math.min(12, r.logNormal(0, 1.05)) * PERSONA_RATE[persona] : 0;
    const start = legacy ? 0 : signupDay;
    const periods: Period[] = [];
    // One in four new members buys once or twice and disappears; the others churn with a monthly hazard.
    const oneAndDone = !legacy && r.chance(0.25);
    const hazard = 0.025 + 0.11 * r.next() ** 2;
    const life = oneAndDone ? r.exponential(12) : r.exponential(30 / hazard);
    const end1 = Math.min(n, start + Math.max(1, Math.round(life)));
    periods.push({ from: start, to: end1 });
    let comeback = false;
    if (end1 < n - 45 && r.chance(oneAndDone ? 0.08 : 0.24)) {
      const back = end1 + 45 + r.int(160);
      if (back < n - 7) {
        comeback = true;
        periods.push({ from: back, to: Math.min(n, back + Math.max(7, Math.round(r.exponential(110)))) });
      }
    }
    const firstOrderAtSignup = buyer && !legacy && r.chance(0.65);
    if (firstOrderAtSignup) fixedOrders++;
    plans.push({ index, signupMs, signupDay, persona, rate, periods, comeback, firstOrderAtSignup, buyer });
  }
  // Scale rates so that sign-up orders plus the expected Poisson orders meet the target.
  let expected = 0;
  for (const p of plans) for (const q of p.periods) expected += p.rate * weightBetween(cal, q.from, q.to) * (q === p.periods[1] ? 0.7 : 1);
  const k = expected > 0 ? Math.max(0, opts.orders - fixedOrders) / expected : 0;
  for (const p of plans) p.rate *= k;
  return plans;
}

/** Order days of a member: the sign-up day (maybe) and Poisson draws in proportion to demand over the periods. */
export function orderDays(r: Prng, cal: Calendar, plan: MemberPlan): number[] {
  const days: number[] = [];
  if (plan.firstOrderAtSignup) days.push(plan.signupDay);
  plan.periods.forEach((q, i) => {
    const w = weightBetween(cal, q.from, q.to);
    const count = r.poisson(plan.rate * w * (i === 1 ? 0.7 : 1));
    for (let k = 0; k < count; k++) days.push(dayAt(cal, q.from, q.to, r.next()));
  });
  return days.sort((a, b) => a - b);
}

/** Days the member was active in, summed over the periods. */
export const activeDays = (plan: MemberPlan) => plan.periods.reduce((s, q) => s + (q.to - q.from), 0);
