// Which permission each console page needs (docs/permissions.md): menu entries a user may not open are hidden.
// Entries not listed here stay visible (their pages hide what the user may not do).
export const MENU_PERMISSIONS: Record<string, string> = {
  '/': 'analytics.read',
  '/members': 'members.read',
  '/segments': 'segments.read',
  '/analytics': 'analytics.read',
  '/loyalty/program': 'loyalty.read',
  '/loyalty/coupons': 'coupons.read',
  '/engagement/templates': 'templates.read',
  '/engagement/broadcasts': 'broadcasts.read',
  '/engagement/journeys': 'journeys.read',
  '/community': 'community.read',
  '/alerts': 'alerts.read',
  '/recommendations': 'recommendations.read',
  '/settings/channels': 'channels.read',
  '/settings/keys': 'access.manage',
  '/settings/users': 'access.manage',
  '/settings/consent': 'settings.read',
  '/settings/workspace': 'settings.read',
  '/settings/audit': 'audit.read',
  '/settings/privacy': 'privacy.export',
};

interface MenuItem {
  key: string;
  children?: MenuItem[];
}

/** The menu without the entries `can` refuses, and without groups left empty. */
export function filterMenu<T extends MenuItem>(items: T[], can: (permission: string) => boolean): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (item.children) {
      const children = filterMenu(item.children, can);
      if (children.length) out.push({ ...item, children });
      continue;
    }
    const need = MENU_PERMISSIONS[item.key];
    if (!need || can(need)) out.push(item);
  }
  return out;
}
