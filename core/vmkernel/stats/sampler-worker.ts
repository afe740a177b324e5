// Worker entry: samples host CPU and memory off the main thread and posts HostStats.
// Sampling runs here so a busy API thread never skews or delays the readings.
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { workerPayload } from '../../common';
import { busyPercent, readCpuTimes } from './cpu-sample';
import type { SamplerConfig, SamplerMessage, SamplerRequest } from './sampler-protocol';

const config = workerPayload<SamplerConfig>(workerData);
const port = parentPort!;
let before = readCpuTimes();

const timer = setInterval(() => {
  const after = readCpuTimes();
  const message: SamplerMessage = {
    type: 'sample',
    stats: {
      time: Date.now(),
      cpuPercent: busyPercent(before, after),
      memoryUsedBytes: os.totalmem() - os.freemem(),
      memoryBytes: os.totalmem(),
    },
  };
  before = after;
  port.postMessage(message);
}, config.intervalMs);

port.on('message', (request: SamplerRequest) => {
  if (request.type === 'stop') {
    clearInterval(timer);
    port.close();
  }
});
