// The layer check must pass on the repository and catch each kind of planted bad import.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain .mjs build script without type declarations
import { checkLayers } from '../../build/lint/check-layers.mjs';

const repo = path.resolve(__dirname, '..', '..');
const temps: string[] = [];

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-layers-'));
  temps.push(root);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const base = {
  'core/common/index.ts': 'export const x = 1;\n',
  'core/api/index.ts': 'export type A = number;\n',
  'core/bus/index.ts': "import { x } from '../common';\nexport const y = x;\n",
  'core/cpu/index.ts': "import { y } from '../bus';\nexport const z = y;\n",
  'core/devices/index.ts': "import { y } from '../bus';\nexport const d = y;\n",
  'core/vmm/index.ts': "import { z } from '../cpu';\nimport { d } from '../devices';\nexport const v = z + d;\n",
  'renderer/src/main.ts': "import type { A } from '../../core/api';\nexport const r: A = 1;\n",
};

afterEach(() => {
  for (const t of temps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

describe('layer check', () => {
  it('passes on this repository', () => {
    expect(checkLayers(repo)).toEqual([]);
  });

  it('passes on a tree that follows the table', () => {
    expect(checkLayers(tree(base))).toEqual([]);
  });

  it('catches an upward import', () => {
    const root = tree({ ...base, 'core/cpu/bad.ts': "import { v } from '../vmm';\nexport const b = v;\n" });
    expect(checkLayers(root)).toEqual(['core/cpu/bad.ts:1: core/cpu (L2) imports upward from core/vmm (L3)']);
  });

  it('catches a sideways import', () => {
    const root = tree({ ...base, 'core/devices/pic.ts': "import { z } from '../cpu/index';\nexport const p = z;\n" });
    expect(checkLayers(root)).toEqual([
      'core/devices/pic.ts:1: core/devices (L2) imports sideways from core/cpu (L2); meet through an interface one layer down',
    ]);
  });

  it('catches the renderer importing core code other than core/api', () => {
    const root = tree({ ...base, 'renderer/src/bad.ts': "\nimport { x } from '../../core/common';\nexport const q = x;\n" });
    expect(checkLayers(root)).toEqual(['renderer/src/bad.ts:2: renderer may import only core/api, not core/common/index.ts']);
  });

  it('catches core importing electron and core/api importing code', () => {
    const root = tree({
      ...base,
      'core/vmm/gui.ts': "import { app } from 'electron';\nexport const g = app;\n",
      'core/api/bad.ts': "import fs from 'node:fs';\nexport const f = fs;\n",
    });
    expect(checkLayers(root).sort()).toEqual([
      'core/api/bad.ts:1: core/api holds types only and imports nothing outside itself ("node:fs")',
      'core/vmm/gui.ts:1: core must not import electron',
    ]);
  });

  it('catches an import cycle inside a folder', () => {
    const root = tree({
      ...base,
      'core/bus/a.ts': "import { b } from './b';\nexport const a = b;\n",
      'core/bus/b.ts': "import { a } from './a';\nexport const b = a;\n",
    });
    expect(checkLayers(root)).toEqual(['import cycle: core/bus/a.ts -> core/bus/b.ts -> core/bus/a.ts']);
  });

  it('fails the command with one line per violation', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = tree({ ...base, 'core/bus/up.ts': "import { v } from '../vmm';\nexport const u = v;\n" });
    const r = spawnSync(process.execPath, [path.join(repo, 'build/lint/check-layers.mjs'), root], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('core/bus/up.ts:1: core/bus (L1) imports upward from core/vmm (L3)');
  });
});
