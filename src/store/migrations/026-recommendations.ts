// Reserved for the recommendations module (filled in by its owner this session).
import type { DialectTypes } from '../port.ts';

export const version = 26;
export const name = 'recommendations';

export function up(_t: DialectTypes): string[] {
  return [];
}
