// Identity types a `has_identity` node may name: the identity module's types plus a few friendly aliases.
import { IDENTITY_TYPES } from '../../identity/types.ts';

const ALIASES: Record<string, string> = {
  wecom: 'wecom_external_userid',
  wecom_external_id: 'wecom_external_userid',
  external_userid: 'wecom_external_userid',
};

/** The stored identity type for a name or alias, or undefined when unknown. */
export function identityType(name: string): string | undefined {
  if ((IDENTITY_TYPES as readonly string[]).includes(name)) return name;
  return ALIASES[name];
}
