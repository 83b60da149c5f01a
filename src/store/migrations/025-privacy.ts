// Reserved for the privacy module (filled in by its owner this session).
import type { DialectTypes } from '../port.ts';

export const version = 25;
export const name = 'privacy';

export function up(_t: DialectTypes): string[] {
  return [];
}
