// Member 360 card of the member's tags: remove one, or add picked or new ones.
import { useEffect, useState } from 'react';
import { App, Button, Card, Select, Space, Tag, Typography } from 'antd';
import { api } from '../../api/client';
import type { MemberTag } from '../../api/types';
import { useI18n } from '../../i18n';
import { ErrorAlert, errorText, useLoad } from '../../components/state';

export function TagsCard({ memberId, initial, onChange }: { memberId: string; initial: MemberTag[]; onChange(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [tags, setTags] = useState(initial);
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setTags(initial), [initial]);
  const all = useLoad((signal) => api('get', '/api/tags', { signal }), []);
  const act = async (fn: () => Promise<{ tags: MemberTag[] }>) => {
    setBusy(true);
    setError(null);
    try {
      setTags((await fn()).tags);
      setPicked([]);
    } catch (e) {
      setError(e);
      message.error(errorText(e, t).message);
    } finally {
      setBusy(false);
    }
  };
  const held = new Set(tags.map((x) => x.name));
  return (
    <Card title={t('m360.tags')} size="small" data-testid="member-tags">
      <Space direction="vertical" style={{ width: '100%' }}>
        <div>
          {tags.length === 0 && <Typography.Text type="secondary">{t('common.none')}</Typography.Text>}
          {tags.map((x) => (
            <Tag
              key={x.id}
              closable
              data-testid={`member-tag-${x.name}`}
              onClose={(e) => {
                e.preventDefault();
                void act(() => api('delete', '/api/members/{ref}/tags', { path: { ref: memberId }, body: { tags: [x.id] } }));
              }}
            >
              {x.group ? `${x.group} · ` : ''}{x.name}
            </Tag>
          ))}
        </div>
        <Space.Compact style={{ width: '100%' }}>
          <Select
            mode="tags"
            style={{ width: '100%' }}
            data-testid="add-tag-select"
            placeholder={t('m360.addTagPlaceholder')}
            value={picked}
            onChange={setPicked}
            options={(all.data?.data ?? []).filter((x) => !held.has(x.name)).map((x) => ({ value: x.name, label: x.name }))}
          />
          <Button
            type="primary"
            loading={busy}
            disabled={picked.length === 0}
            data-testid="add-tag-submit"
            onClick={() => act(() => api('post', '/api/members/{ref}/tags', { path: { ref: memberId }, body: { tags: picked, create_missing_tag: true, source: 'console' } })).then(onChange)}
          >
            {t('m360.addTag')}
          </Button>
        </Space.Compact>
        {error ? <ErrorAlert error={error} compact /> : null}
      </Space>
    </Card>
  );
}
