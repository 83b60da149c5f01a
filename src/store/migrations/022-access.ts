// Reserved for the access module (filled in by its owner this session).
import type { DialectTypes } from '../port.ts';

export const version = 22;
export const name = 'access';

export function up(_t: DialectTypes): string[] {
  return [];
}
