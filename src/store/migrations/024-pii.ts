// Reserved for the pii module (filled in by its owner this session).
import type { DialectTypes } from '../port.ts';

export const version = 24;
export const name = 'pii';

export function up(_t: DialectTypes): string[] {
  return [];
}
