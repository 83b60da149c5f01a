// Editor of a node the builder does not know (a newer server): its JSON, applied while it parses.
import { useEffect, useState } from 'react';
import { Input } from 'antd';
import type { RuleNode } from '../rule-model';
import type { Change } from './kit';

export function JsonEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const [text, setText] = useState(JSON.stringify(node));
  const [bad, setBad] = useState(false);
  useEffect(() => setText(JSON.stringify(node)), [node]);
  return (
    <Input.TextArea
      autoSize
      style={{ minWidth: 360, fontFamily: 'monospace' }}
      status={bad ? 'error' : undefined}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        try {
          const v = JSON.parse(e.target.value);
          setBad(false);
          if (v && typeof v === 'object' && !Array.isArray(v)) onChange(v);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}
