// Reserved for the alerts module (filled in by its owner this session).
import type { DialectTypes } from '../port.ts';

export const version = 27;
export const name = 'alerts';

export function up(_t: DialectTypes): string[] {
  return [];
}
