#!/usr/bin/env node
// The layer check (STYLE.md habit 9). Fails when core/ imports upward or sideways against
// DESIGN.md's table, when core/ reaches into electron/, renderer/ or build/ or imports the
// electron package, when core/api imports anything but itself (the renderer loads it),
// when renderer/ imports core/ other than core/api, and on import cycles inside core/.
// Usage: node build/lint/check-layers.mjs [ROOT]   (exit 1 and one line per violation)
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { LAYERS } from './layers.mjs';

const SOURCE = /\.(ts|mts|mjs|js|vue)$/;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : listFiles(p);
    return SOURCE.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Import specifiers of a file, each with whether it is type-only and its line. */
export function importsOf(text) {
  const found = [];
  const patterns = [
    /^\s*(import|export)\s+(type\s+)?[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"](\.{1,2}\/[^'"]+\.(?:ts|mjs))['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  patterns.forEach((re, i) => {
    for (const m of text.matchAll(re)) {
      const spec = i === 0 ? m[3] : m[1];
      const typeOnly = i === 0 && Boolean(m[2]);
      const start = m.index + (m[0].length - m[0].trimStart().length);
      const line = text.slice(0, start).split('\n').length;
      found.push({ spec, typeOnly, line });
    }
  });
  return found;
}

function resolveLocal(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, `${base}.ts`, `${base}.mjs`, `${base}.vue`, path.join(base, 'index.ts')];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? base;
}

function coreFolder(root, file) {
  const rel = path.relative(path.join(root, 'core'), file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

export function checkLayers(root) {
  const violations = [];
  const graph = new Map();
  const report = (file, line, message) => violations.push(`${path.relative(root, file)}:${line}: ${message}`);
  const top = (file) => path.relative(root, file).split(path.sep)[0];

  for (const file of [...listFiles(path.join(root, 'core')), ...listFiles(path.join(root, 'renderer'))]) {
    const inCore = top(file) === 'core';
    const folder = inCore ? coreFolder(root, file) : undefined;
    const text = fs.readFileSync(file, 'utf8');
    const edges = [];
    for (const { spec, typeOnly, line } of importsOf(text)) {
      const local = spec.startsWith('.');
      if (!local) {
        if (inCore && (spec === 'electron' || spec.startsWith('electron/'))) report(file, line, `core must not import electron`);
        if (inCore && folder === 'api') report(file, line, `core/api holds types only and imports nothing outside itself ("${spec}")`);
        if (!inCore && BUILTINS.has(spec)) report(file, line, `renderer must not import Node's ${spec}`);
        continue;
      }
      const target = resolveLocal(file, spec);
      const targetTop = top(target);
      if (!inCore) {
        if (targetTop === 'core' && coreFolder(root, target) !== 'api') {
          report(file, line, `renderer may import only core/api, not ${path.relative(root, target)}`);
        }
        continue;
      }
      if (target === path.join(root, 'package.json')) continue; // the version number
      if (targetTop !== 'core') {
        report(file, line, `core must not import from ${targetTop}/ (${spec})`);
        continue;
      }
      const to = coreFolder(root, target);
      if (to === folder) {
        if (!typeOnly) edges.push(target);
        continue;
      }
      const mine = LAYERS[folder];
      const theirs = LAYERS[to];
      if (mine === undefined) report(file, line, `core/${folder} is not in DESIGN.md's layer table (build/lint/layers.mjs)`);
      else if (theirs === undefined) report(file, line, `core/${to} is not in DESIGN.md's layer table (build/lint/layers.mjs)`);
      else if (theirs > mine) report(file, line, `core/${folder} (L${mine}) imports upward from core/${to} (L${theirs})`);
      else if (theirs === mine) report(file, line, `core/${folder} (L${mine}) imports sideways from core/${to} (L${theirs}); meet through an interface one layer down`);
      else if (folder === 'api') report(file, line, `core/api imports nothing outside itself (${spec})`);
    }
    if (inCore) graph.set(file, edges);
  }

  for (const cycle of findCycles(graph)) {
    violations.push(`import cycle: ${cycle.map((f) => path.relative(root, f)).join(' -> ')}`);
  }
  return violations;
}

/** Cycles of value imports (type-only imports cannot form a run-time cycle). */
function findCycles(graph) {
  const cycles = [];
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
  const violations = checkLayers(root);
  for (const v of violations) console.error(v);
  if (violations.length > 0) {
    console.error(`layers: ${violations.length} violation(s) of DESIGN.md's layer rules`);
    process.exit(1);
  }
  console.log('layers: core/ and renderer/ follow DESIGN.md');
}
