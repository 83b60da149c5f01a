// Member 360: profile, identities, traits, tags (add/remove), segments, scores, tier/points/lots, coupons,
// consents, journeys and one timeline of events, orders and refunds, messages and points entries (a kind filter kept in
// the URL as ?kind=) — each from its own API route. This file lays the page out; the sections are in member360/.
import { Card, Col, Row, Space, Tag, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Link, useParams } from 'react-router-dom';
import { api } from '../api/client';
import type { Member360 as M360 } from '../api/types';
import { useI18n } from '../i18n';
import { Async, useLoad } from '../components/state';
import { PrivacyActions } from './settings/PrivacyActions';
import { RecommendationsCard } from './recommendations/RecommendationsCard';
import { ConsentTable } from './member360/ConsentTable';
import { CouponsList } from './member360/CouponsList';
import { LoyaltyCard } from './member360/LoyaltyCard';
import { MemberJourneys } from './member360/MemberJourneys';
import { MemberTimeline } from './member360/MemberTimeline';
import { AttributesCard, IdentitiesCard, TraitsCard } from './member360/ProfileCards';
import { SegmentsCard } from './member360/SegmentsCard';
import { TagsCard } from './member360/TagsCard';

export function Member360() {
  const { ref = '' } = useParams();
  const { t } = useI18n();
  const member = useLoad((signal) => api('get', '/api/members/{ref}', { path: { ref }, signal }), [ref]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/members"><ArrowLeftOutlined /> {t('m360.back')}</Link>
      <Async state={member} minHeight={300}>
        {(m) => <Member360View m={m} reload={member.reload} />}
      </Async>
    </Space>
  );
}

function localName(n: string | { zh?: string; en?: string } | undefined, lang: string): string | null {
  if (n === undefined || n === null) return null;
  if (typeof n === 'string') return n;
  return (lang === 'zh' ? n.zh ?? n.en : n.en ?? n.zh) ?? null;
}

function Member360View({ m, reload }: { m: M360; reload(): void }) {
  const { t, dt, lang } = useI18n();
  const name = (m.attributes.name as string | undefined) || t('members.unnamed');
  const scores = useLoad((signal) => api('get', '/api/members/{ref}/scores', { path: { ref: m.id }, signal }), [m.id]);
  const label = (x: { name_zh?: string; name_en?: string; segment?: string; stage?: string; tier?: string } | null) =>
    x ? (lang === 'zh' ? x.name_zh : x.name_en) ?? x.segment ?? x.stage ?? x.tier : null;
  const tier = m.loyalty.tier;
  // A program tier's name is bilingual ({ zh, en }); older answers may give a plain string.
  const tierName = tier === null ? null : typeof tier === 'string' ? tier : localName(tier.name, lang) ?? tier.code ?? null;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="member-360">
      <Card>
        <Space direction="vertical" size={4}>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="member-name">{name}</Typography.Title>
          <Typography.Text type="secondary" copyable={{ text: m.id }}>{m.id}</Typography.Text>
          <Space wrap>
            {m.source_channel && <Tag color="blue">{m.source_channel}</Tag>}
            {tierName && <Tag color="gold">{t('m360.tier')}: {tierName}</Tag>}
            {scores.data?.rfm && <Tag color="green">{t('m360.rfm')}: {label(scores.data.rfm)}</Tag>}
            {scores.data?.lifecycle && <Tag color="purple">{t('m360.lifecycle')}: {label(scores.data.lifecycle)}</Tag>}
            {scores.data?.value_tier && <Tag color="magenta">{t('m360.valueTier')}: {label(scores.data.value_tier)}</Tag>}
            <Typography.Text type="secondary">{t('common.createdAt')} {dt(m.created_at)}</Typography.Text>
            <PrivacyActions memberId={m.id} onErased={reload} />
          </Space>
        </Space>
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <AttributesCard attributes={m.attributes} />
            <TraitsCard traits={m.traits} />
            <TagsCard memberId={m.id} initial={m.tags} onChange={reload} />
            <SegmentsCard memberId={m.id} />
            <IdentitiesCard identities={m.identities} />
          </Space>
        </Col>
        <Col xs={24} xl={12}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <LoyaltyCard loyalty={m.loyalty} tierName={tierName} />
            <RecommendationsCard memberId={m.id} />
            <Card title={`${t('m360.coupons')} (${m.coupons.unused_count})`} size="small">
              <CouponsList memberId={m.id} />
            </Card>
            <Card title={t('m360.consents')} size="small">
              <ConsentTable effective={m.consents.effective} />
            </Card>
            <Card title={t('m360.journeys')} size="small" data-testid="member-journeys">
              <MemberJourneys memberId={m.id} />
            </Card>
            <Card title={t('m360.timeline')} size="small">
              <MemberTimeline memberId={m.id} />
            </Card>
          </Space>
        </Col>
      </Row>
    </Space>
  );
}
