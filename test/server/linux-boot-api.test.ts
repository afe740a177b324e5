// The suite's one full Linux boot under the host: through the API over a real WebSocket,
// create a VM with Debian's i386 kernel and our busybox initramfs (.cache/guest, fetched by
// build/guest/fetch.ts), power it on, read its serial console to the shell prompt, run
// `uname -a` and see the kernel answer, power it off. The interpreter is slow for now, so
// this takes minutes; the quick Multiboot flow is in vm-runtime-api.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, type ApiEventMessage, type ApiResult, type VmInfo } from '../../core/api';
import { createHandlers, startWebServer, type RunningWebServer } from '../../core/server';
import { HostAgent, WorkerVmRuntime } from '../../core/vmkernel';
import { guestImages } from '../vmm/guest-images';
import { TestWsClient } from './ws-client';

const BOOT_TIMEOUT_MS = 15 * 60_000;
let dir: string;
let runtime: WorkerVmRuntime;
let host: HostAgent;
let server: RunningWebServer;
let client: TestWsClient;

function data<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-linux-api-'));
  fs.mkdirSync(path.join(dir, 'ds1'));
  runtime = new WorkerVmRuntime({ hostId: 'esx-linux' });
  host = new HostAgent({ version: '0', name: 'esx-linux', statsIntervalMs: 5000, datastores: [{ name: 'ds1', path: path.join(dir, 'ds1') }], runtime });
  server = await startWebServer({ host: '127.0.0.1', port: 0, rendererDir: dir, handlers: createHandlers(host), events: host.onEvent });
  client = await TestWsClient.open(server.url.replace('http:', 'ws:') + 'api');
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await host?.vms.powerOffAll();
  host?.dispose();
  runtime?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a Debian guest under the host', () => {
  it(
    'boots to the shell prompt on its serial console, answers uname -a, and powers off',
    async () => {
      const images = guestImages();
      const vm = data<VmInfo>(
        await client.call('vm.create', { name: 'debian', datastore: 'ds1', memoryMB: 128, guestOS: 'debian12', kernel: { kernel: images.kernel, initrd: images.initrd, append: 'console=ttyS0 cryptomgr.notests' } }),
      );
      // Follow the console live over the WebSocket, as the console window does.
      data(await client.call('events.subscribe', { topics: [`console:${vm.id}`] }));
      let text = '';
      let next = 0;
      const onMessage = (raw: Buffer): void => {
        const m = JSON.parse(raw.toString()) as ApiEventMessage;
        if (m.event !== 'vm.console' || m.data.id !== vm.id) return;
        const bytes = base64ToBytes(m.data.data)!;
        const skip = Math.max(0, next - m.data.offset);
        text += Buffer.from(bytes.subarray(skip)).toString('latin1');
        next = Math.max(next, m.data.offset + bytes.length);
      };
      client.socket.on('message', onMessage);
      expect(data<VmInfo>(await client.call('vm.powerOn', { id: vm.id })).powerState).toBe('poweredOn');
      const seen = async (pattern: RegExp | string, timeout: number): Promise<void> => {
        try {
          await expect.poll(() => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)), { timeout, interval: 500 }).toBe(true);
        } catch {
          throw new Error(`the console never showed ${String(pattern)}; its last lines:\n${text.slice(-1500)}`);
        }
      };
      await seen(images.manifest.prompt, BOOT_TIMEOUT_MS - 2 * 60_000);
      const promptAt = text.lastIndexOf(images.manifest.prompt);
      data(await client.call('vm.consoleInput', { id: vm.id, data: bytesToBase64(new TextEncoder().encode('uname -a\n')) }));
      // uname's answer, after the prompt (the boot banner says "Linux version …", not this).
      const answer = new RegExp(`uname -a[\\s\\S]*?\\nLinux \\S+ ${images.manifest.kernelVersion.replace(/\./g, '\\.')} #1 SMP[^\\n]* i686`);
      try {
        await expect.poll(() => answer.test(text.slice(promptAt)), { timeout: 120_000, interval: 500 }).toBe(true);
      } catch {
        throw new Error(`uname -a got no answer; the console after the prompt:\n${text.slice(promptAt)}`);
      }
      client.socket.off('message', onMessage);
      expect(data<VmInfo>(await client.call('vm.powerOff', { id: vm.id })).powerState).toBe('poweredOff');
    },
    BOOT_TIMEOUT_MS,
  );
});
