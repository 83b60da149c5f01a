// The journey canvas (React Flow, @xyflow/react): the trigger on top, one node per step with a handle per exit
// (next; then/else; on event/on timeout; each A/B branch), links as edges. Dragging from a handle to a step links it,
// Backspace on a selected link or step removes it; per-step counts of a live journey and the server's validation
// error show on the node they concern. Positions come from journey-model's layout and may be dragged.
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background, Controls, Handle, MarkerType, Position, ReactFlow, applyEdgeChanges, applyNodeChanges,
  type Connection, type Edge, type EdgeChange, type Node, type NodeChange, type NodeProps, type ReactFlowInstance,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Tag, Tooltip } from 'antd';
import { WarningFilled } from '@ant-design/icons';
import type { JourneyStepStats } from '../../api/types';
import { useI18n } from '../../i18n';
import { exitsOf, filterText, layout, TRIGGER_NODE, type Filter, type JourneyDef, type Step } from './journey-model';
import { useJt, type JKey } from './journey-strings';

type Jt = ReturnType<typeof useJt>;

const COLORS: Record<string, string> = {
  trigger: '#1f7a5c', send: '#389e0d', wait: '#1677ff', wait_event: '#722ed1', condition: '#722ed1', split: '#722ed1',
  issue_coupon: '#d46b08', grant_points: '#d46b08', add_tag: '#d46b08', remove_tag: '#d46b08', set_attribute: '#d46b08', staff_task: '#c41d7f', exit: '#8c8c8c',
};

interface HandleSpec { id: string; label: string }
interface NodeData extends Record<string, unknown> {
  kind: 'trigger' | 'step';
  type: string;
  title: string;
  typeLabel: string;
  summary: string;
  isStart: boolean;
  startLabel: string;
  handles: HandleSpec[];
  counts?: { entered: number; waiting: number; completed: number; goal: number; label: (k: JKey) => string; num: (n: number) => string };
  error?: string;
}
type FlowNode = Node<NodeData, 'journey'>;

/** One line saying what a step does. */
export function stepSummary(step: Step, jt: Jt): string {
  const s = step as Record<string, unknown>;
  const str = (v: unknown) => (v === undefined || v === null || v === '' ? '…' : String(v));
  switch (step.type) {
    case 'wait': return [s.duration, s.until_time ? `→ ${s.until_time}` : ''].filter(Boolean).join(' ') || '…';
    case 'wait_event': return `${str(s.event)} ≤ ${str(s.timeout)}`;
    case 'condition': return JSON.stringify(s.rule ?? {}).slice(0, 60);
    case 'split': return ((s.branches as Array<{ name: string; weight: number }>) ?? []).map((b) => `${b.name} ${b.weight}`).join(' / ');
    case 'send': return `${str(s.template)} @ ${str(s.channel)}`;
    case 'issue_coupon': return str(s.coupon);
    case 'grant_points': return `+${str(s.points)}`;
    case 'add_tag': case 'remove_tag': return str(s.tag);
    case 'set_attribute': return `${str(s.attribute)} = ${s.value === null ? '∅' : str(s.value)}`;
    case 'staff_task': return jt(`task.${String(s.task)}` as JKey);
    default: return '';
  }
}

export function triggerSummary(def: JourneyDef, jt: Jt): string {
  const tr = def.trigger as Record<string, unknown>;
  const str = (v: unknown) => (v === undefined || v === null || v === '' ? '…' : String(v));
  switch (def.trigger.type) {
    case 'event': return [str(tr.event), ...((tr.where as Filter[]) ?? []).map(filterText)].join(' · ');
    case 'segment': return `${str(tr.segment)} · ${jt(`on.${String(tr.on ?? 'entry')}` as JKey)}`;
    case 'date': return `${jt(`field.${String(tr.field ?? 'birthday')}` as JKey)} −${Number(tr.days_before ?? 0)}d @ ${str(tr.at ?? '09:00')}`;
    case 'schedule': return `${str(tr.cron)} · ${str(tr.segment)}`;
    case 'order': return [tr.min_amount !== undefined ? `≥ ¥${tr.min_amount}` : '', tr.first_order ? jt('firstOrder') : ''].filter(Boolean).join(' · ') || '*';
    default: return '';
  }
}

const JourneyNode = memo(function JourneyNode({ data, selected }: NodeProps<FlowNode>) {
  const color = COLORS[data.type] ?? '#8c8c8c';
  const n = data.handles.length;
  return (
    <div
      data-testid={data.kind === 'trigger' ? 'journey-node-trigger' : `journey-node-${data.title}`}
      style={{
        width: 200, background: '#fff', borderRadius: 8, fontSize: 12, boxShadow: selected ? `0 0 0 2px ${color}` : '0 1px 3px rgba(0,0,0,.12)',
        border: `1px solid ${data.error ? '#ff4d4f' : color}`, borderTop: `4px solid ${data.error ? '#ff4d4f' : color}`, padding: '6px 8px 14px',
      }}
    >
      {data.kind === 'step' ? <Handle type="target" position={Position.Top} /> : null}
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 4 }}>
        <span style={{ fontWeight: 600, color }}>{data.typeLabel}</span>
        {data.isStart ? <Tag color="blue" style={{ margin: 0, fontSize: 11, lineHeight: '16px' }}>{data.startLabel}</Tag> : null}
        {data.error ? <Tooltip title={data.error}><WarningFilled style={{ color: '#ff4d4f' }} data-testid="node-error" /></Tooltip> : null}
      </div>
      {data.kind === 'step' ? <div style={{ fontFamily: 'ui-monospace, Menlo, monospace', color: '#555' }}>{data.title}</div> : null}
      <div style={{ color: '#333', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={data.summary}>{data.summary}</div>
      {data.counts ? (
        <div data-testid="node-counts" style={{ display: 'flex', gap: 6, marginTop: 4, color: '#555', flexWrap: 'wrap' }}>
          <span>{data.counts.label('c.entered')} <b>{data.counts.num(data.counts.entered)}</b></span>
          <span>{data.counts.label('c.waiting')} <b>{data.counts.num(data.counts.waiting)}</b></span>
          <span>{data.counts.label('c.completed')} <b>{data.counts.num(data.counts.completed)}</b></span>
          {data.counts.goal ? <span>{data.counts.label('c.goal')} <b>{data.counts.num(data.counts.goal)}</b></span> : null}
        </div>
      ) : null}
      {data.error ? <div style={{ color: '#ff4d4f', marginTop: 2, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{data.error}</div> : null}
      {data.handles.map((h, i) => {
        const left = `${((i + 1) / (n + 1)) * 100}%`;
        return (
          <div key={h.id}>
            {n > 1 ? <span style={{ position: 'absolute', bottom: -16, left, transform: 'translateX(-50%)', fontSize: 10, color: '#888', whiteSpace: 'nowrap' }}>{h.label}</span> : null}
            <Handle type="source" id={h.id} position={Position.Bottom} style={{ left, background: color }} />
          </div>
        );
      })}
    </div>
  );
});

const nodeTypes = { journey: JourneyNode };

export interface CanvasProps {
  def: JourneyDef;
  stats?: Map<string, JourneyStepStats>;
  errors: Map<string, string>;
  selected: string | null;
  layoutTick: number;
  onSelect(id: string | null): void;
  onLink(from: string, handle: string, to: string | undefined): void;
  onRemove(id: string): void;
}

export function JourneyCanvas({ def, stats, errors, selected, layoutTick, onSelect, onLink, onRemove }: CanvasProps) {
  const jt = useJt();
  const { num } = useI18n();
  const [lastTick, setLastTick] = useState(layoutTick);
  const flow = useRef<ReactFlowInstance<FlowNode, Edge> | null>(null);

  const nextNodes = useMemo(() => {
    const pos = layout(def);
    const out: FlowNode[] = [
      {
        id: TRIGGER_NODE, type: 'journey', position: pos[TRIGGER_NODE], deletable: false,
        data: { kind: 'trigger', type: 'trigger', title: 'trigger', typeLabel: `${jt('trigger')} · ${jt(`tt.${def.trigger.type}` as JKey)}`, summary: triggerSummary(def, jt), isStart: false, startLabel: '', handles: [{ id: 'start', label: '' }], error: errors.get(TRIGGER_NODE) },
      },
    ];
    for (const [id, step] of Object.entries(def.steps)) {
      const s = stats?.get(id);
      out.push({
        id, type: 'journey', position: pos[id] ?? { x: 0, y: 0 },
        data: {
          kind: 'step', type: step.type, title: id, typeLabel: step.name ? `${jt(`st.${step.type}` as JKey)} · ${step.name}` : jt(`st.${step.type}` as JKey),
          summary: stepSummary(step, jt), isStart: def.start === id, startLabel: jt('start'),
          handles: exitsOf(step).map((e) => ({ id: e.handle, label: e.handle.startsWith('branches.') ? e.label : jt(`x.${e.label}` as JKey).replace(' →', '') })),
          counts: s ? { entered: s.entered, waiting: s.waiting, completed: s.completed, goal: s.exited_by_goal, label: jt, num: (n) => num(n) } : undefined,
          error: errors.get(id),
        },
      });
    }
    return out;
  }, [def, stats, errors, jt, num]);
  // Seeded with the first definition so the initial fitView sees every node.
  const [nodes, setNodes] = useState<FlowNode[]>(nextNodes);
  const [edges, setEdges] = useState<Edge[]>([]);
  const stepCount = Object.keys(def.steps).length;
  // Re-fit after an auto layout or when steps come or go.
  useEffect(() => {
    const h = setTimeout(() => flow.current?.fitView({ padding: 0.2, maxZoom: 1, duration: 200 }), 50);
    return () => clearTimeout(h);
  }, [layoutTick, stepCount]);

  // New definition: fresh node data; positions and measurements of known nodes kept (unless re-laid out).
  useEffect(() => {
    const relayout = layoutTick !== lastTick;
    if (relayout) setLastTick(layoutTick);
    setNodes((prev) => {
      const old = new Map(prev.map((n) => [n.id, n]));
      return nextNodes.map((n) => {
        const o = old.get(n.id);
        return { ...n, selected: n.id === selected, ...(o ? { measured: o.measured, position: relayout ? n.position : o.position } : {}) };
      });
    });
  }, [nextNodes, selected, layoutTick, lastTick]);

  useEffect(() => {
    setEdges((prev) => {
      const sel = new Set(prev.filter((e) => e.selected).map((e) => e.id));
      const out: Edge[] = [];
      const edge = (source: string, handle: string, target: string, label?: string): Edge => ({
        id: `${source}>${handle}`, source, sourceHandle: handle, target, label, type: 'smoothstep', selected: sel.has(`${source}>${handle}`),
        markerEnd: { type: MarkerType.ArrowClosed }, labelStyle: { fontSize: 11 }, labelBgStyle: { fill: '#fafafa' },
      });
      if (def.steps[def.start]) out.push(edge(TRIGGER_NODE, 'start', def.start));
      for (const [id, step] of Object.entries(def.steps)) {
        const xs = exitsOf(step);
        for (const e of xs) {
          if (e.to && def.steps[e.to]) out.push(edge(id, e.handle, e.to, xs.length > 1 ? (e.handle.startsWith('branches.') ? e.label : jt(`x.${e.label}` as JKey).replace(' →', '')) : undefined));
        }
      }
      return out;
    });
  }, [def, jt]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), ns)), []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setEdges((es) => applyEdgeChanges(changes.filter((c) => c.type !== 'remove'), es)), []);
  const onConnect = useCallback((c: Connection) => {
    if (c.source && c.target && c.target !== TRIGGER_NODE) onLink(c.source, c.sourceHandle ?? 'next', c.target);
  }, [onLink]);

  return (
    <div style={{ height: 600, border: '1px solid #f0f0f0', borderRadius: 8, background: '#fcfdfc' }} data-testid="journey-canvas">
      <ReactFlow<FlowNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onNodesDelete={(ns) => ns.forEach((n) => n.id !== TRIGGER_NODE && onRemove(n.id))}
        onEdgesDelete={(es) => es.forEach((e) => onLink(e.source, e.sourceHandle ?? 'next', undefined))}
        onNodeClick={(_, n) => onSelect(n.id)}
        onPaneClick={() => onSelect(null)}
        deleteKeyCode={['Backspace', 'Delete']}
        onInit={(inst) => (flow.current = inst)}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.2}
      >
        <Background gap={16} color="#e8eeeb" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
