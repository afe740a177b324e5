// build/electron-builder.yml passes electron-builder's own configuration validation, and the
// app it packs is staged so that native modules get rebuilt for Electron in the staged copy
// only: dist-app/ holds the bundles, a package.json with just the runtime externals, and a
// node_modules that runs on its own (packaging itself needs Electron's binary and headers,
// which cannot be fetched here: STACK.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const repo = path.resolve(__dirname, '..', '..');
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>;
};
const yaml = require('js-yaml') as { load(text: string): Record<string, unknown> };
const logger = { isEnabled: false, add() {} };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-stage-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('electron-builder configuration', () => {
  const config = yaml.load(fs.readFileSync(path.join(repo, 'build', 'electron-builder.yml'), 'utf8'));

  it('is valid and builds AppImage and deb for Linux from the bundles', async () => {
    await expect(validateConfiguration(config, logger)).resolves.toBeUndefined();
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.extraMetadata as { main: string }).main).toBe('dist-electron/main.cjs');
  });

  it('would reject a misspelt option, so the check above means something', async () => {
    await expect(validateConfiguration({ ...config, linx: {} }, logger)).rejects.toThrow(/linx/);
  });

  it('packs the staged dist-app/ and rebuilds its native modules through the beforeBuild hook, confined to it', async () => {
    expect((config.directories as { app: string }).app).toBe('dist-app');
    expect(config.npmRebuild).toBe(true); // electron-builder calls beforeBuild only then
    expect(config.files).toContain('node_modules/**'); // the hook handles node_modules: only `files` brings them in
    expect(config.asarUnpack).toEqual(['**/*.node']);
    const hook = (await import(path.join(repo, config.beforeBuild as string))) as {
      beforeBuild: unknown;
      rebuildOptions(c: { appDir: string; electronVersion: string; arch: string }): Record<string, unknown>;
    };
    expect(typeof hook.beforeBuild).toBe('function');
    const appDir = path.join(repo, 'dist-app');
    // projectRootPath = the app folder: @electron/rebuild then looks in dist-app/node_modules only,
    // never in the checkout's node_modules above it (which must stay built for Node).
    expect(hook.rebuildOptions({ appDir, electronVersion: '45.5.0', arch: 'x64' })).toMatchObject({ buildPath: appDir, projectRootPath: appDir, electronVersion: '45.5.0', arch: 'x64', force: true });
    expect(() => hook.rebuildOptions({ appDir, electronVersion: '', arch: 'x64' })).toThrow(/no Electron version/);
  });
});

describe('the staged app folder (build/package/stage-app.mjs)', () => {
  const from = path.join(tmp, 'built');
  const out = path.join(tmp, 'dist-app');
  const root = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; version: string };

  it('holds the bundles and a package.json whose only dependencies are the native runtime externals, pinned as the root pins them', () => {
    fs.mkdirSync(path.join(from, 'dist', 'renderer'), { recursive: true });
    fs.mkdirSync(path.join(from, 'dist-electron', 'workers'), { recursive: true });
    fs.writeFileSync(path.join(from, 'dist', 'renderer', 'index.html'), '<!doctype html>');
    fs.writeFileSync(path.join(from, 'dist-electron', 'main.cjs'), '');
    fs.writeFileSync(path.join(from, 'dist-electron', 'main.cjs.map'), '{}');
    fs.writeFileSync(path.join(from, 'dist-electron', 'workers', 'vm.cjs'), '');
    execFileSync(process.execPath, [path.join(repo, 'build', 'package', 'stage-app.mjs'), '--out', out, '--from', from], { stdio: 'pipe' });
    const pkg = JSON.parse(fs.readFileSync(path.join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ name: 'vmdesk', version: root.version, main: 'dist-electron/main.cjs', dependencies: { 'better-sqlite3': root.dependencies['better-sqlite3'] } });
    expect(Object.keys(pkg.dependencies as object)).toEqual(['better-sqlite3']);
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(fs.existsSync(path.join(out, 'dist', 'renderer', 'index.html'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'dist-electron', 'workers', 'vm.cjs'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'dist-electron', 'main.cjs.map'))).toBe(false);
    // What a rebuild from source needs is there too.
    expect(fs.existsSync(path.join(out, 'node_modules', 'better-sqlite3', 'binding.gyp'))).toBe(true);
  });

  it('has a node_modules that works by itself: better-sqlite3 resolves inside it and opens a database', () => {
    const script = `const p = require.resolve('better-sqlite3', { paths: [process.cwd()] });
      const Database = require(p);
      console.log(JSON.stringify({ p, row: new Database(':memory:').prepare('select 6 * 7 as v').get() }));`;
    // No NODE_PATH and cwd in the staged folder: nothing can come from the checkout's node_modules.
    const env = { ...process.env, NODE_PATH: '' };
    const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: out, env, encoding: 'utf8' })) as { p: string; row: { v: number } };
    expect(r.p.startsWith(path.join(out, 'node_modules', 'better-sqlite3') + path.sep)).toBe(true);
    expect(r.row.v).toBe(42);
  });

  it('refuses, in one line, to stage without the built bundles', () => {
    let err = '';
    try {
      execFileSync(process.execPath, [path.join(repo, 'build', 'package', 'stage-app.mjs'), '--out', path.join(tmp, 'x'), '--from', path.join(tmp, 'nothing')], { stdio: 'pipe' });
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err.trim()).toMatch(/^stage-app: \S+dist\/renderer is missing; run `npm run build` first$/);
  });
});
