import { UsageError } from '../errors/index.js';
import type { Project, ProjectNode } from './project.js';

/**
 * The model graph: build order and `--select`. Edges come from ref(); the
 * order is deterministic (file order among nodes that are ready), so two
 * builds of the same project print the same sequence.
 */
export function buildOrder(project: Project): ProjectNode[] {
  const nodes = [...project.nodes.values()].sort((a, b) => a.file.localeCompare(b.file));
  const waiting = new Map(nodes.map((node) => [node.name, new Set(node.refs)]));
  const ordered: ProjectNode[] = [];
  while (waiting.size > 0) {
    const ready = nodes.filter((node) => waiting.get(node.name)?.size === 0);
    if (ready.length === 0) throw cycleError(project, [...waiting.keys()]);
    for (const node of ready) {
      waiting.delete(node.name);
      for (const deps of waiting.values()) deps.delete(node.name);
      ordered.push(node);
    }
  }
  return ordered;
}

function cycleError(project: Project, stuck: readonly string[]): UsageError {
  // Walk refs from a stuck node until a name repeats: that stretch is a cycle.
  const stuckSet = new Set(stuck);
  const path: string[] = [];
  let current = stuck[0]!;
  while (!path.includes(current)) {
    path.push(current);
    current = project.nodes.get(current)!.refs.find((ref) => stuckSet.has(ref))!;
  }
  // Printed in the direction data flows: each model feeds the next.
  const cycle = [...path.slice(path.indexOf(current)), current].reverse();
  const files = cycle.slice(0, -1).map((name) => project.nodes.get(name)!.file);
  return new UsageError(`The models form a cycle: ${cycle.join(' -> ')} (${files.join(', ')}); a model cannot depend on itself through ref().`);
}

/**
 * `--select` in dbt's forms: `name`, `name+` (and everything downstream),
 * `+name` (and everything upstream). No selectors means every node.
 */
export function selectNodes(project: Project, selectors: readonly string[]): Set<string> {
  if (selectors.length === 0) return new Set(project.nodes.keys());
  const dependents = new Map<string, string[]>();
  for (const node of project.nodes.values()) for (const ref of node.refs) dependents.set(ref, [...(dependents.get(ref) ?? []), node.name]);
  const selected = new Set<string>();
  for (const selector of selectors.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const match = /^(\+?)([^+]+)(\+?)$/.exec(selector);
    const name = match?.[2];
    if (!match || !name) throw new UsageError(`--select ${selector} is not a selector; use model, model+ (and downstream) or +model (and upstream).`);
    if (!project.nodes.has(name)) throw new UsageError(`--select ${selector} names no model or seed of this project.`);
    selected.add(name);
    if (match[1]) walk(name, (n) => project.nodes.get(n)!.refs, selected);
    if (match[3]) walk(name, (n) => dependents.get(n) ?? [], selected);
  }
  return selected;
}

function walk(start: string, next: (name: string) => readonly string[], into: Set<string>): void {
  // Its own visited set: a node selected earlier on its own must still be walked through.
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length > 0) {
    for (const name of next(stack.pop()!)) {
      if (!seen.has(name)) {
        seen.add(name);
        into.add(name);
        stack.push(name);
      }
    }
  }
}
