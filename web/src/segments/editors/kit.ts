// What the rule builder's editors share: the builder's context, the change callback, option lists and labels.
import type { MessageKey } from '../../i18n';
import { COUNT_OPS, type RuleNode } from '../rule-model';

export interface BuilderContext {
  tags: string[];
  segments: Array<{ id: string; name: string }>;
  /** The segment being edited (cannot refer to itself). */
  selfId?: string;
}

export type Change = (n: RuleNode) => void;
export type Option = { value: string; label: string };

export const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === '' ? [] : [String(v)]);
export const countOps = COUNT_OPS.map((o) => ({ value: o, label: o }));

/** An operator's label: symbols as they are, words from the dictionary. */
export function opLabel(t: (k: MessageKey) => string, o: string) {
  return /^[=!<>]/.test(o) ? o : t(`op.${o}` as MessageKey);
}
