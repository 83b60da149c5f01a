// The analytics page: cohorts, funnels, CLV and channels as tabs; the open tab is in the URL (?tab=…) and only it
// loads its data.
import { Space, Tabs, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { useQuery } from './kit';
import { Cohorts } from './Cohorts';
import { Funnel } from './Funnel';
import { Clv } from './Clv';
import { ChannelsTab } from './Channels';

const TABS = ['cohorts', 'funnel', 'clv', 'channels'] as const;

export function Analytics() {
  const { t } = useI18n();
  const q = useQuery();
  const tab = (TABS as readonly string[]).includes(q.get('tab') ?? '') ? (q.get('tab') as (typeof TABS)[number]) : 'cohorts';
  const body = tab === 'cohorts' ? <Cohorts /> : tab === 'funnel' ? <Funnel /> : tab === 'clv' ? <Clv /> : <ChannelsTab />;
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('an.title')}</Typography.Title>
      <Tabs
        data-testid="analytics-tabs"
        activeKey={tab}
        // A tab's filters belong to it: switching starts from its defaults.
        onChange={(k) => q.set(Object.fromEntries([...q.params.keys()].map((p) => [p, undefined]).concat([['tab', k === 'cohorts' ? undefined : k]])))}
        items={TABS.map((k) => ({ key: k, label: t(`an.tab.${k}`) }))}
      />
      {body}
    </Space>
  );
}
