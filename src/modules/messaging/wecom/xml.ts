// The flat XML WeCom and WeChat push (`<xml><Tag><![CDATA[…]]></Tag>…</xml>`), read and written without a parser
// library: callbacks carry one level of scalar fields (nested blocks, rare in the events Siyu handles, are skipped).

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e],
  );
}

/**
 * The top-level fields of a callback XML document (CDATA or text; entities decoded). Later duplicates are ignored.
 * @example parseFlatXml('<xml><Encrypt><![CDATA[abc]]></Encrypt><AgentID>218</AgentID></xml>') // { Encrypt: 'abc', AgentID: '218' }
 */
export function parseFlatXml(xml: string): Record<string, string> {
  const inner = /<xml>([\s\S]*)<\/xml>/i.exec(xml)?.[1] ?? xml;
  const out: Record<string, string> = {};
  const re = /<([A-Za-z_][\w.-]*)>([\s\S]*?)<\/\1>/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) {
    const [, tag, raw] = m;
    if (tag in out) continue;
    const trimmed = raw.trim();
    // A value may be split into several CDATA sections (that is how a literal "]]>" is written).
    if (trimmed.startsWith('<![CDATA[')) out[tag] = trimmed.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
    else if (!raw.includes('<')) out[tag] = decodeEntities(raw.trim());
  }
  return out;
}

/** A flat XML document with every value in CDATA (numbers as plain text), as the platforms write them. */
export function buildFlatXml(fields: Record<string, string | number>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => (typeof v === 'number' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${String(v).replaceAll(']]>', ']]]]><![CDATA[>')}]]></${k}>`))
    .join('');
  return `<xml>${body}</xml>`;
}

/**
 * The `<Item>` values of the nested list `tag` (e.g. a group event's MemChangeList), CDATA or text.
 * @example parseXmlItems('<xml><MemChangeList><Item><![CDATA[wm1]]></Item><Item>wm2</Item></MemChangeList></xml>', 'MemChangeList') // ['wm1', 'wm2']
 */
export function parseXmlItems(xml: string, tag: string): string[] {
  const block = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];
  if (!block) return [];
  const out: string[] = [];
  const re = /<Item>([\s\S]*?)<\/Item>/g;
  for (let m = re.exec(block); m; m = re.exec(block)) {
    const raw = m[1].trim();
    const v = raw.startsWith('<![CDATA[') ? raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1') : decodeEntities(raw);
    if (v) out.push(v);
  }
  return out;
}
