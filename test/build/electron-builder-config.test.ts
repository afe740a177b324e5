// build/electron-builder.yml passes electron-builder's own configuration validation
// (packaging itself needs Electron's binary, which cannot be fetched here: STACK.md).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const repo = path.resolve(__dirname, '..', '..');
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>;
};
const yaml = require('js-yaml') as { load(text: string): Record<string, unknown> };
const logger = { isEnabled: false, add() {} };

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
});
