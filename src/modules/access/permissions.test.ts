// The pure permission tables: areas by URL prefix, derived and declared permissions, role and scope grants.
import { describe, expect, it } from 'vitest';
import { areaOf, permissionFor, permissionsOfRole, permissionsOfScope, roleGrants, scopeGrants, scopeOfKind, kindOfScope } from './permissions.ts';

describe('permissions', () => {
  it('maps URLs to areas by whole path segments, longest prefix first', () => {
    expect(areaOf('/api/members/:ref/tags')).toBe('members');
    expect(areaOf('/api/tag-groups/:ref')).toBe('tags');
    expect(areaOf('/api/messaging/channels/:ref')).toBe('channels');
    expect(areaOf('/api/messaging/send')).toBe('messaging');
    expect(areaOf('/api/consent/guard/check')).toBe('settings');
    expect(areaOf('/api/membersx')).toBeNull();
    expect(areaOf('/v1/track')).toBe('ingest');
    expect(areaOf('/api/auth/me')).toBe('self');
  });

  it('derives permissions from method and area, with overrides and declarations winning', () => {
    expect(permissionFor('GET', '/api/members')).toBe('members.read');
    expect(permissionFor('HEAD', '/api/members')).toBe('members.read');
    expect(permissionFor('DELETE', '/api/members/:ref/tags')).toBe('members.write');
    expect(permissionFor('PUT', '/api/messaging/channels/:ref')).toBe('settings.write');
    expect(permissionFor('GET', '/api/users')).toBe('access.manage');
    expect(permissionFor('GET', '/api/audit')).toBe('audit.read');
    expect(permissionFor('POST', '/api/segments/preview')).toBe('segments.read');
    expect(permissionFor('GET', '/api/members/export')).toBe('members.export');
    expect(permissionFor('POST', '/api/imports/:kind/batch')).toBe('ingest.write');
    expect(permissionFor('POST', '/api/privacy/erase', 'privacy.erase')).toBe('privacy.erase');
    expect(permissionFor('GET', '/api/somewhere-new')).toBe('system.read');
  });

  it('grants roles as documented', () => {
    expect(permissionsOfRole('admin')).toContain('system.backup');
    expect(roleGrants('operator', 'pii.read')).toBe(true);
    expect(roleGrants('operator', 'settings.write')).toBe(false);
    expect(roleGrants('operator', 'audit.read')).toBe(false);
    expect(roleGrants('analyst', 'clv.write')).toBe(true);
    expect(roleGrants('analyst', 'pii.read')).toBe(false);
    expect(roleGrants('analyst', 'members.export')).toBe(true);
    expect(roleGrants('viewer', 'members.export')).toBe(false);
    expect(roleGrants('viewer', 'privacy.read')).toBe(false);
    expect(permissionsOfRole('viewer').every((p) => p.endsWith('.read'))).toBe(true);
    expect(roleGrants('viewer', 'self')).toBe(true);
  });

  it('grants key scopes as documented, and maps the historic kinds', () => {
    expect(permissionsOfScope('ingest')).toEqual(['ingest.write']);
    expect(scopeGrants('read', 'members.read')).toBe(true);
    expect(scopeGrants('read', 'access.manage')).toBe(false);
    expect(scopeGrants('read', 'audit.read')).toBe(false);
    expect(scopeGrants('read', 'pii.read')).toBe(false);
    expect(scopeGrants('admin', 'privacy.erase')).toBe(true);
    expect([scopeOfKind('write'), scopeOfKind('read'), scopeOfKind('admin')]).toEqual(['ingest', 'read', 'admin']);
    expect([kindOfScope('ingest'), kindOfScope('read'), kindOfScope('admin')]).toEqual(['write', 'read', 'admin']);
  });
});
