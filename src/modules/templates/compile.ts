// Save-time checking and compiling of one channel's content: parse every Liquid field on the sandboxed engine,
// refuse syntax errors, unknown filters and file tags, and check every variable path against the declared schema.
import type { Template } from 'liquidjs';
import { invalid, type SiyuError } from '../../core/errors.ts';
import { fieldName, liquidFields, type ContentPath, type MessagingChannelType } from './channels.ts';
import { engines } from './engine.ts';
import { checkPath, pathText, type Segment, type VariableSchema } from './variables.ts';

/** One parsed Liquid field of a channel's content. */
export interface CompiledField {
  path: ContentPath;
  /** `content.email.subject` — the name errors and failures carry. */
  field: string;
  html: boolean;
  tpl: Template[];
}

export interface CompiledChannel {
  fields: CompiledField[];
  /** Every variable path the fields read from the render context (locals such as loop variables excluded). */
  paths: Segment[][];
}

const FILE_TAGS = /^tag "(include|render|layout)" not found/;
const UNKNOWN_FILTER = /^undefined filter: ([^,\s]+)/;
const POSITION = /line:(\d+), col:(\d+)/;

/** A problem in a field: the error a save answers with (the first) and the list in its details. */
export interface FieldProblem {
  code: 'template.syntax_invalid' | 'template.filter_unknown' | 'template.tag_not_allowed' | 'template.variable_unknown';
  field: string;
  message: string;
  line?: number;
  col?: number;
  variable?: string;
  suggestion?: string;
}

/**
 * Parses and checks every Liquid field of one channel's content. Throws 400 with the first problem (code, field,
 * message) and all of them in `details.problems`; returns the parsed fields and the variable paths otherwise.
 */
export function compileChannel(channel: MessagingChannelType, content: unknown, schema: VariableSchema): CompiledChannel {
  const problems: FieldProblem[] = [];
  const fields: CompiledField[] = [];
  const paths: Segment[][] = [];
  const e = engines();
  for (const { path, source } of liquidFields(channel, content)) {
    const field = fieldName(channel, path);
    const html = channel === 'email' && path[0] === 'html';
    let tpl: Template[];
    try {
      tpl = (html ? e.html : e.text).parse(source);
    } catch (err) {
      problems.push(parseProblem(field, err));
      continue;
    }
    const analysis = (html ? e.html : e.text).analyzeSync(tpl, { partials: false });
    for (const vars of Object.values(analysis.globals)) {
      for (const variable of vars) {
        const segs = variable.toArray() as Segment[];
        paths.push(segs);
        const check = checkPath(schema, segs);
        if (check.ok) continue;
        const name = pathText(segs.slice(0, check.at + 1));
        const hint = check.suggestion ? ` (did you mean ${pathText([...segs.slice(0, check.at), check.suggestion])}?)` : '';
        problems.push({
          code: 'template.variable_unknown',
          field,
          message: `${field}: unknown variable ${name}${hint}: ${check.reason} / 未知变量 ${name}, line ${variable.location.row}, col ${variable.location.col}`,
          line: variable.location.row,
          col: variable.location.col,
          variable: pathText(segs),
          suggestion: check.suggestion,
        });
      }
    }
    fields.push({ path, field, html, tpl });
  }
  if (problems.length > 0) throw problemError(problems);
  return { fields, paths };
}

/** The 400 a save answers with: the first problem, all of them in details. */
export function problemError(problems: FieldProblem[]): SiyuError {
  const first = problems[0];
  return invalid(first.code, first.message, first.field, { problems });
}

function parseProblem(field: string, err: unknown): FieldProblem {
  const raw = err instanceof Error ? err.message : String(err);
  const pos = POSITION.exec(raw);
  const at = pos ? { line: Number(pos[1]), col: Number(pos[2]) } : {};
  const filter = UNKNOWN_FILTER.exec(raw);
  if (filter) return { code: 'template.filter_unknown', field, message: `${field}: unknown filter ${filter[1]} / 未知过滤器 ${filter[1]}`, ...at };
  const tag = FILE_TAGS.exec(raw);
  if (tag) return { code: 'template.tag_not_allowed', field, message: `${field}: the ${tag[1]} tag is not allowed (templates cannot read other files) / 不允许使用 ${tag[1]}`, ...at };
  return { code: 'template.syntax_invalid', field, message: `${field}: Liquid syntax error: ${raw} / 模板语法错误`, ...at };
}
