// The member 360's "recommended products" card: the member's top 10 of the chosen algorithm, with why and whether
// a product is a fallback; a product opens its "also bought" list.
import { useState } from 'react';
import { Card, List, Popover, Segmented, Space, Tag, Typography } from 'antd';
import { api } from '../../api/client';
import { Async, useLoad } from '../../components/state';
import { useRt } from './strings';
import type { AlsoBought, MemberRecommendations } from './types';

const ALGORITHMS = ['als', 'item_cf', 'trending'] as const;

export function RecommendationsCard({ memberId }: { memberId: string }) {
  const rt = useRt();
  const [algorithm, setAlgorithm] = useState<(typeof ALGORITHMS)[number]>('als');
  const state = useLoad(
    async (signal) => (await api('get', '/api/members/{ref}/recommendations', { path: { ref: memberId }, query: { n: 10, algorithm }, signal })) as unknown as MemberRecommendations,
    [memberId, algorithm],
  );
  return (
    <Card
      title={rt('card')}
      size="small"
      data-testid="member-recommendations"
      extra={<Segmented size="small" value={algorithm} onChange={(v) => setAlgorithm(v as typeof algorithm)} options={ALGORITHMS.map((a) => ({ value: a, label: rt(`algorithm.${a}`).replace(/（.*）| \(.*\)/, '') }))} />}
    >
      <Async state={state} empty={(d) => d.items.length === 0}>
        {(d) => (
          <List
            size="small"
            dataSource={d.items}
            locale={{ emptyText: rt('card.empty') }}
            renderItem={(i) => (
              <List.Item extra={<Typography.Text type="secondary">{i.score.toFixed(3)}</Typography.Text>}>
                <Space size={6} wrap>
                  <Typography.Text type="secondary">{i.rank}.</Typography.Text>
                  <Popover trigger="click" title={rt('alsoBought')} content={<AlsoBoughtList productId={i.product_id} />}>
                    <Typography.Link>{i.name ?? i.product_id}</Typography.Link>
                  </Popover>
                  {i.category && <Tag>{i.category}</Tag>}
                  <Tag color={i.fallback ? 'default' : 'green'}>{rt(`reason.${i.reason}`)}{i.fallback ? ` · ${rt('fallback')}` : ''}</Tag>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Async>
    </Card>
  );
}

/** "Members who bought X also bought", for one product. */
export function AlsoBoughtList({ productId }: { productId: string }) {
  const rt = useRt();
  const state = useLoad(
    async (signal) => (await api('get', '/api/products/{id}/also-bought', { path: { id: productId }, query: { n: 5 }, signal })) as unknown as AlsoBought,
    [productId],
  );
  return (
    <div style={{ maxWidth: 360 }} data-testid="also-bought">
      <Async state={state} empty={(d) => d.items.length === 0} minHeight={40}>
        {(d) => (
          <List
            size="small"
            dataSource={d.items}
            renderItem={(i) => (
              <List.Item>
                <Space size={6}>
                  <span>{i.name ?? i.product_id}</span>
                  <Typography.Text type="secondary">{rt('bothBought', { n: i.buyers_both })}</Typography.Text>
                </Space>
              </List.Item>
            )}
          />
        )}
      </Async>
    </div>
  );
}
