// Visual editor of a segment rule: AND/OR groups (nested), NOT on any node, and an editor per condition kind —
// every kind of docs/segment-rules.md has one; a node the builder does not know (a newer server) stays editable as
// JSON. Editors change only the keys they are told to, so a rule loaded from the API saves back as it was.
import { Button, Card, Dropdown, Segmented, Space, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { useI18n, type MessageKey } from '../i18n';
import { LEAF_KINDS, defaultNode, isGroup, kindOf, type LeafKind, type RuleNode } from './rule-model';
import type { BuilderContext, Change } from './editors/kit';
import { LeafEditor } from './editors/leaf-editor';

export type { BuilderContext } from './editors/kit';

export function RuleBuilder({ value, onChange, ctx }: { value: RuleNode; onChange: Change; ctx: BuilderContext }) {
  return <NodeEditor node={value} onChange={onChange} ctx={ctx} depth={0} />;
}

function NodeEditor({ node, onChange, onRemove, ctx, depth }: { node: RuleNode; onChange: Change; onRemove?: () => void; ctx: BuilderContext; depth: number }) {
  const { t } = useI18n();
  const kind = kindOf(node);
  if (kind === 'not') {
    const inner = node.not as RuleNode;
    return (
      <div style={{ borderLeft: '3px solid #cf1322', paddingLeft: 8 }} data-testid="rule-not">
        <Space style={{ marginBottom: 4 }}>
          <Tag color="red">{t('builder.not')}</Tag>
          <Button size="small" type="link" onClick={() => onChange(inner)}>{t('builder.negate')} ✕</Button>
        </Space>
        <NodeEditor node={inner} onChange={(n) => onChange({ not: n })} onRemove={onRemove} ctx={ctx} depth={depth} />
      </div>
    );
  }
  if (isGroup(node)) return <GroupEditor node={node} onChange={onChange} onRemove={onRemove} ctx={ctx} depth={depth} />;
  return (
    <Card size="small" styles={{ body: { padding: 8 } }} data-testid={`rule-${kind}`}>
      <Space wrap align="center">
        <Tag color="geekblue">{LEAF_KINDS.includes(kind as LeafKind) ? t(`node.${kind}` as MessageKey) : kind}</Tag>
        <LeafEditor node={node} onChange={onChange} ctx={ctx} />
        <Tooltip title={t('builder.negate')}><Button size="small" icon={<StopOutlined />} onClick={() => onChange({ not: node })} /></Tooltip>
        {onRemove && <Button size="small" danger icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('common.remove')} />}
      </Space>
    </Card>
  );
}

function GroupEditor({ node, onChange, onRemove, ctx, depth }: { node: RuleNode; onChange: Change; onRemove?: () => void; ctx: BuilderContext; depth: number }) {
  const { t } = useI18n();
  const op = kindOf(node) as 'and' | 'or';
  const children = (node[op] as RuleNode[]) ?? [];
  const setChildren = (c: RuleNode[]) => onChange({ [op]: c });
  const add = (n: RuleNode) => setChildren([...children, n]);
  return (
    <div
      data-testid={depth === 0 ? 'rule-root' : 'rule-group'}
      style={{ border: '1px dashed #b7c9c1', borderRadius: 8, padding: 10, background: depth % 2 ? '#fff' : '#f7faf9' }}
    >
      <Space style={{ marginBottom: 8 }} wrap>
        <Segmented
          size="small"
          value={op}
          onChange={(v) => onChange({ [v as string]: children })}
          options={[{ value: 'and', label: t('builder.and') }, { value: 'or', label: t('builder.or') }]}
        />
        <Dropdown
          trigger={['click']}
          menu={{
            items: LEAF_KINDS.map((k) => ({ key: k, label: t(`node.${k}` as MessageKey), 'data-testid': `add-${k}` })),
            onClick: (e) => add(defaultNode(e.key as LeafKind)),
          }}
        >
          <Button size="small" icon={<PlusOutlined />} data-testid="add-condition">{t('builder.addCondition')}</Button>
        </Dropdown>
        {depth < 5 && <Button size="small" icon={<PlusOutlined />} onClick={() => add({ and: [] })}>{t('builder.addGroup')}</Button>}
        {depth > 0 && <Tooltip title={t('builder.negate')}><Button size="small" icon={<StopOutlined />} onClick={() => onChange({ not: node })} /></Tooltip>}
        {onRemove && <Button size="small" danger icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('common.remove')} />}
      </Space>
      <Space direction="vertical" style={{ width: '100%' }}>
        {children.length === 0 && <Typography.Text type="secondary">{t('builder.empty')}</Typography.Text>}
        {children.map((c, i) => (
          <NodeEditor
            key={i}
            node={c}
            depth={depth + 1}
            ctx={ctx}
            onChange={(n) => setChildren(children.map((x, j) => (j === i ? n : x)))}
            onRemove={() => setChildren(children.filter((_, j) => j !== i))}
          />
        ))}
      </Space>
    </div>
  );
}
