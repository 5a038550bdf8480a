import { UsageError } from '../errors/index.js';

/**
 * The dbt templating subset analysts know: `{{ ref('m') }}`, `{{ source('s', 't') }}`,
 * `{{ var('name', default) }}`, `{{ config(materialized='view') }}` and `{# comments #}`.
 * Parsing keeps every newline, so a line of the rendered SQL is the same line
 * of the file and DuckDB's `LINE n` points at the analyst's own text.
 */
export type TemplateLiteral = string | number | boolean | null;

export interface TemplateCall {
  readonly fn: string;
  readonly args: readonly TemplateLiteral[];
  readonly kwargs: Readonly<Record<string, TemplateLiteral>>;
  /** 1-based line of the `{{` in the file. */
  readonly line: number;
}

export type TemplateSegment = { readonly text: string } | { readonly call: TemplateCall };

export const templateFunctions = ['ref', 'source', 'var', 'config'] as const;

export function parseTemplate(text: string, file: string): TemplateSegment[] {
  const segments: TemplateSegment[] = [];
  let position = 0;
  let line = 1;
  const advance = (to: number): string => {
    const chunk = text.slice(position, to);
    line += countNewlines(chunk);
    position = to;
    return chunk;
  };
  while (position < text.length) {
    const open = text.slice(position).search(/\{[{#%]/);
    if (open < 0) {
      segments.push({ text: advance(text.length) });
      break;
    }
    if (open > 0) segments.push({ text: advance(position + open) });
    const kind = text[position + 1]!;
    const close = kind === '{' ? '}}' : kind === '#' ? '#}' : '%}';
    const end = text.indexOf(close, position + 2);
    const startLine = line;
    if (end < 0) throw new UsageError(`${file} line ${startLine}: the template tag opened here is never closed with ${close}.`);
    if (kind === '%') {
      throw new UsageError(
        `${file} line ${startLine}: {% ... %} blocks are not supported; use {{ var(...) }} inside a SQL case expression instead.`,
      );
    }
    const inner = advance(end + 2).slice(2, -2);
    if (kind === '#') {
      // A comment renders as its newlines only, so the lines after it keep their numbers.
      segments.push({ text: '\n'.repeat(countNewlines(inner)) });
      continue;
    }
    segments.push({ call: parseCall(inner.replace(/^-/, '').replace(/-$/, ''), file, startLine) });
    if (countNewlines(inner) > 0) segments.push({ text: '\n'.repeat(countNewlines(inner)) });
  }
  return segments;
}

export function renderTemplate(segments: readonly TemplateSegment[], resolve: (call: TemplateCall) => string): string {
  return segments.map((segment) => ('text' in segment ? segment.text : resolve(segment.call))).join('');
}

export function templateCalls(segments: readonly TemplateSegment[]): TemplateCall[] {
  return segments.flatMap((segment) => ('call' in segment ? [segment.call] : []));
}

/** One `name(arg, ..., key=value)` expression, as in `{{ ... }}` or a YAML `to: "ref('customers')"`. */
export function parseCall(expression: string, file: string, line: number): TemplateCall {
  const tokens = tokenize(expression, file, line);
  let index = 0;
  const fail = (what: string): never => {
    throw new UsageError(`${file} line ${line}: cannot read {{${expression}}}: ${what}.`);
  };
  const next = () => tokens[index++];
  const name = next();
  if (!name || name.type !== 'ident') return fail('expected a call such as ref(\'model\')');
  if (!(templateFunctions as readonly string[]).includes(name.value as string)) {
    throw new UsageError(`${file} line ${line}: unknown template function ${String(name.value)}(); the templates know ref, source, var and config.`);
  }
  if (next()?.type !== '(') return fail(`expected ( after ${String(name.value)}`);
  const args: TemplateLiteral[] = [];
  const kwargs: Record<string, TemplateLiteral> = {};
  let token = next();
  while (token && token.type !== ')') {
    if (token.type === 'ident' && tokens[index]?.type === '=') {
      index++;
      const value = next();
      if (!value || value.type !== 'literal') return fail(`expected a value after ${String(token.value)}=`);
      kwargs[token.value as string] = value.value;
    } else if (token.type === 'literal') {
      if (Object.keys(kwargs).length > 0) return fail('positional arguments must come before key=value arguments');
      args.push(token.value);
    } else {
      return fail('arguments must be quoted strings, numbers, true, false or none');
    }
    token = next();
    if (token?.type === ',') token = next();
    else if (token && token.type !== ')') return fail('expected , or ) between arguments');
  }
  if (!token) return fail('missing )');
  if (index < tokens.length) return fail('unexpected text after the closing )');
  return { fn: name.value as string, args, kwargs, line };
}

type Token = { type: 'ident' | 'literal'; value: TemplateLiteral } | { type: '(' | ')' | ',' | '='; value: null };

function tokenize(expression: string, file: string, line: number): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([(),=]))/y;
  let position = 0;
  while (position < expression.length) {
    if (/^\s*$/.test(expression.slice(position))) break;
    pattern.lastIndex = position;
    const match = pattern.exec(expression);
    if (!match) throw new UsageError(`${file} line ${line}: cannot read {{${expression}}} near "${expression.slice(position).trim().slice(0, 20)}".`);
    position = pattern.lastIndex;
    const [, ident, quoted, number, punctuation] = match;
    if (ident !== undefined) {
      const keyword: Record<string, TemplateLiteral> = { true: true, True: true, false: false, False: false, none: null, None: null };
      tokens.push(ident in keyword ? { type: 'literal', value: keyword[ident]! } : { type: 'ident', value: ident });
    } else if (quoted !== undefined) {
      tokens.push({ type: 'literal', value: quoted.slice(1, -1).replace(/\\(.)/g, '$1') });
    } else if (number !== undefined) {
      tokens.push({ type: 'literal', value: Number(number) });
    } else {
      tokens.push({ type: punctuation as '(' | ')' | ',' | '=', value: null });
    }
  }
  return tokens;
}

function countNewlines(text: string): number {
  let count = 0;
  for (const char of text) if (char === '\n') count++;
  return count;
}
