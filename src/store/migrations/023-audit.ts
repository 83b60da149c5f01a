// Reserved for the audit module (filled in by its owner this session).
import type { DialectTypes } from '../port.ts';

export const version = 23;
export const name = 'audit';

export function up(_t: DialectTypes): string[] {
  return [];
}
