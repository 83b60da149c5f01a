// The console's frame: antd locale, sign-in gate, side menu, header (workspace, language, sign-out) and routes.
import { useMemo } from 'react';
import { App as AntApp, Button, ConfigProvider, Layout, Menu, Segmented, Space, Spin, Tag, Typography } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import { DashboardOutlined, TeamOutlined, ClusterOutlined, GiftOutlined, SendOutlined, SettingOutlined, LogoutOutlined } from '@ant-design/icons';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { useI18n, type Lang, type MessageKey } from './i18n';
import { useAuth } from './auth';
import { SignIn } from './pages/SignIn';
import { Dashboard } from './pages/Dashboard';
import { Members } from './pages/Members';
import { Member360 } from './pages/Member360';
import { Segments } from './pages/Segments';
import { Analytics } from './pages/analytics/Analytics';
import { BarChartOutlined } from '@ant-design/icons';
import { SegmentEditor } from './pages/SegmentEditor';
import { Keys } from './pages/settings/Keys';
import { Users } from './pages/settings/Users';
import { filterMenu } from './menu-permissions';
import { Channels } from './pages/settings/Channels';
import { Consent } from './pages/settings/Consent';
import { Workspace } from './pages/settings/Workspace';
import { AuditLog } from './pages/settings/AuditLog';
import { PrivacyRequests } from './pages/settings/PrivacyRequests';
import { Community } from './pages/community/Community';
import { GroupDetail } from './pages/community/GroupDetail';
import { CommentOutlined } from '@ant-design/icons';
import { CouponDetail, Coupons } from './pages/loyalty/Coupons';
import { Loyalty } from './pages/loyalty/Program';
import { Broadcasts } from './pages/engagement/Broadcasts';
import { BroadcastCreate } from './pages/engagement/BroadcastCreate';
import { BroadcastDetail } from './pages/engagement/BroadcastDetail';
import { TemplateEditor, Templates } from './pages/engagement/Templates';
import { JourneyDetail, Journeys } from './pages/engagement/Journeys';
import { AlertOutlined } from '@ant-design/icons';
import { AlertDetail, Alerts } from './pages/alerts/Alerts';
import { AlertsMenuLabel } from './pages/alerts/strings';
import { Recommendations } from './pages/recommendations/Recommendations';
import { RecommendationsMenuLabel } from './pages/recommendations/strings';
import { ShoppingOutlined } from '@ant-design/icons';

export function App() {
  const { lang } = useI18n();
  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={{ token: { colorPrimary: '#1f7a5c', borderRadius: 6 } }}>
      <AntApp>
        <Gate />
      </AntApp>
    </ConfigProvider>
  );
}

function LangSwitch() {
  const { lang, setLang } = useI18n();
  return (
    <Segmented
      size="small"
      data-testid="lang-switch"
      value={lang}
      onChange={(v) => setLang(v as Lang)}
      options={[{ label: '中文', value: 'zh' }, { label: 'English', value: 'en' }]}
    />
  );
}

function Gate() {
  const { key } = useAuth();
  const location = useLocation();
  if (!key) {
    if (location.pathname !== '/login') return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
    return <SignIn langSwitch={<LangSwitch />} />;
  }
  if (location.pathname === '/login') return <Navigate to={new URLSearchParams(location.search).get('next') || '/'} replace />;
  return <Shell />;
}

function Shell() {
  const { t } = useI18n();
  const { workspace, signOut, me, can } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const items = useMemo(
    () => [
      { key: '/', icon: <DashboardOutlined />, label: t('menu.dashboard') },
      { key: '/members', icon: <TeamOutlined />, label: t('menu.members') },
      { key: '/segments', icon: <ClusterOutlined />, label: t('menu.segments') },
      { key: '/analytics', icon: <BarChartOutlined />, label: t('menu.analytics') },
      { key: 'loyalty', icon: <GiftOutlined />, label: t('menu.loyalty'), children: [{ key: '/loyalty/program', label: t('menu.program') }, { key: '/loyalty/coupons', label: t('menu.coupons') }] },
      {
        key: 'engagement', icon: <SendOutlined />, label: t('menu.engagement'),
        children: [{ key: '/engagement/templates', label: t('menu.templates') }, { key: '/engagement/broadcasts', label: t('menu.broadcasts') }, { key: '/engagement/journeys', label: t('menu.journeys') }],
      },
      { key: '/community', icon: <CommentOutlined />, label: t('menu.community') },
      { key: '/alerts', icon: <AlertOutlined />, label: <AlertsMenuLabel /> },
      { key: '/recommendations', icon: <ShoppingOutlined />, label: <RecommendationsMenuLabel /> },
      {
        key: 'settings', icon: <SettingOutlined />, label: t('menu.settings'),
        children: [{ key: '/settings/channels', label: t('menu.channels') }, { key: '/settings/users', label: t('menu.users') }, { key: '/settings/keys', label: t('menu.keys') }, { key: '/settings/consent', label: t('menu.consent') }, { key: '/settings/workspace', label: t('menu.workspace') }, { key: '/settings/audit', label: t('menu.audit') }, { key: '/settings/privacy', label: t('menu.privacy') }],
      },
    ],
    [t],
  );
  // Only what the signed-in user or key may open (GET /api/auth/me); nothing until that is known.
  const menu = useMemo(() => filterMenu(items, can), [items, can]);
  if (!me) return <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center' }}><Spin /></div>;
  const selected = '/' + (location.pathname.split('/').filter(Boolean).slice(0, location.pathname.startsWith('/members') || location.pathname.startsWith('/segments') || location.pathname.startsWith('/community') || location.pathname.startsWith('/alerts') ? 1 : 2).join('/'));
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={208} theme="light" style={{ borderRight: '1px solid #f0f0f0' }}>
        <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 16 }}>{t('app.title')}</div>
        <Menu
          mode="inline"
          data-testid="main-menu"
          selectedKeys={[selected]}
          defaultOpenKeys={['loyalty', 'engagement', 'settings']}
          items={menu}
          onClick={(e) => navigate(e.key)}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', borderBottom: '1px solid #f0f0f0', padding: '0 24px', display: 'flex', alignItems: 'center', justifyContent: 'space-between' }}>
          <Typography.Text strong data-testid="workspace-name">{workspace?.name ?? '…'}</Typography.Text>
          <Space size="middle">
            <span data-testid="current-user">
              <Typography.Text>{me.user ? (me.user.display_name ?? me.user.username) : (me.key?.name ?? t('header.key'))}</Typography.Text>{' '}
              <Tag color={me.role === 'admin' || me.scope === 'admin' ? 'red' : 'blue'} data-testid="current-role">{me.role ? t(`role.${me.role}` as MessageKey) : t(`keys.scope.${me.scope ?? 'read'}` as MessageKey)}</Tag>
            </span>
            <LangSwitch />
            <Button icon={<LogoutOutlined />} onClick={signOut} data-testid="sign-out">{t('app.signOut')}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <Routes>
            <Route path="/" element={<Dashboard />} />
            <Route path="/members" element={<Members />} />
            <Route path="/members/:ref" element={<Member360 />} />
            <Route path="/recommendations" element={<Recommendations />} />
            <Route path="/segments" element={<Segments />} />
            <Route path="/analytics" element={<Analytics />} />
            <Route path="/segments/new" element={<SegmentEditor />} />
            <Route path="/segments/:ref" element={<SegmentEditor />} />
            <Route path="/loyalty/program" element={<Loyalty />} />
            <Route path="/loyalty/coupons" element={<Coupons />} />
            <Route path="/loyalty/coupons/:ref" element={<CouponDetail />} />
            <Route path="/engagement/templates" element={<Templates />} />
            <Route path="/engagement/templates/new" element={<TemplateEditor />} />
            <Route path="/engagement/templates/:ref" element={<TemplateEditor />} />
            <Route path="/engagement/broadcasts" element={<Broadcasts />} />
            <Route path="/engagement/broadcasts/new" element={<BroadcastCreate />} />
            <Route path="/engagement/broadcasts/:id" element={<BroadcastDetail />} />
            <Route path="/engagement/journeys" element={<Journeys />} />
            <Route path="/engagement/journeys/:id" element={<JourneyDetail />} />
            <Route path="/settings/keys" element={<Keys />} />
            <Route path="/settings/users" element={<Users />} />
            <Route path="/settings/channels" element={<Channels />} />
            <Route path="/settings/consent" element={<Consent />} />
            <Route path="/settings/workspace" element={<Workspace />} />
            <Route path="/settings/audit" element={<AuditLog />} />
            <Route path="/settings/privacy" element={<PrivacyRequests />} />
            <Route path="/community" element={<Community />} />
            <Route path="/community/groups/:ref" element={<GroupDetail />} />
            <Route path="/alerts" element={<Alerts />} />
            <Route path="/alerts/:id" element={<AlertDetail />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
