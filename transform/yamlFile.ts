import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../errors/index.js';

/**
 * Reads one YAML file and validates it with a zod schema. Every problem
 * becomes a UsageError naming the file, the key and its line, because an
 * analyst editing YAML needs to know where to look, not what zod calls it.
 */
export interface YamlFile<T> {
  readonly data: T;
  /** The line of a key path in the file, for messages about what the YAML says. */
  lineAt(path: readonly (string | number)[]): number | undefined;
}

export function readYamlFile<S extends z.ZodType>(path: string, displayPath: string, schema: S): YamlFile<z.output<S>> {
  const text = readFileSync(path, 'utf8');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new UsageError(`${displayPath} line ${line} is not valid YAML: ${firstLine(syntaxError.message)}.`);
  }
  const parsed = schema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    const line = lineOf(document, lineCounter, path);
    const key = describePath(path);
    throw new UsageError(`${displayPath}${line ? ` line ${line}` : ''}: ${key ? `${key} ` : ''}${describeIssue(issue)}.`);
  }
  return { data: parsed.data, lineAt: (keyPath) => lineOf(document, lineCounter, keyPath) };
}

/** The line of the deepest node on the path that exists (the key itself may be missing). */
function lineOf(document: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** `models[2].columns[0].tests` style, the way the YAML reads. */
export function describePath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => String(value)).join(', ')}`;
    case 'unrecognized_keys':
      return `has an unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    case 'invalid_type':
      return `must be ${article(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'number' ? `must be ${issue.inclusive ? 'at least' : 'greater than'} ${String(issue.minimum)}` : issue.message;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function article(expected: string): string {
  const names: Record<string, string> = { int: 'a whole number', number: 'a number', string: 'a text', object: 'a mapping', array: 'a list', boolean: 'true or false' };
  return names[expected] ?? expected;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
}
