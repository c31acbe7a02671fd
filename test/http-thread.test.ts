import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamplingThread } from '../src/probes/http-thread.js';

// The worker script the build makes (npm test builds first): the thread is what the CLI runs.
const SCRIPT = new URL('../dist/http-worker.cjs', import.meta.url).pathname;

// The services answer from a process of their own: this test blocks its own thread.
let server: ChildProcess;
let url: string;
let slow: string;
beforeAll(async () => {
  server = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => q.url === '/slow' ? setTimeout(() => s.end('late'), 200) : s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port) })`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(await new Promise((r) => server.stdout!.once('data', r)));
  url = `http://127.0.0.1:${port}/`;
  slow = `${url}slow`;
});
afterAll(() => { server.kill(); });

const service = (u: string, samples: number) => ({ name: 'api', url: u, timeoutMs: 2000, samples });

describe('service sampling thread', () => {
  it('samples on its own thread: a main thread that is busy does not add to the latencies', async () => {
    const thread = new SamplingThread(SCRIPT);
    let measured = false;
    const measuring = thread.sample(service(url, 10)).finally(() => { measured = true; });
    // The main thread works in 300 ms stretches, as a check parsing a day of log does; sampled on
    // this thread, each response would wait for the stretch it arrives in.
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    while (!measured) {
      Atomics.wait(sleep, 0, 0, 300);
      await new Promise((r) => setImmediate(r));
    }
    const m = await measuring;
    await thread.close();
    expect(m.first).toMatchObject({ status: 200 });
    expect(m.samples).toHaveLength(10);
    for (const s of m.samples) expect(s).toMatchObject({ status: 200, ms: expect.any(Number) });
    expect(Math.max(...m.samples.map((s) => s.ms))).toBeLessThan(150);
  });

  it('stops sampling when the run is stopped, with the samples taken so far', async () => {
    const thread = new SamplingThread(SCRIPT);
    const stop = new AbortController();
    const measuring = thread.sample(service(slow, 20), stop.signal);
    setTimeout(() => stop.abort(), 700);
    const m = await measuring;
    await thread.close();
    expect(m.samples.length).toBeGreaterThan(0);
    expect(m.samples.length).toBeLessThan(20);
  });

  it('says the thread could not run instead of measuring nothing', async () => {
    const thread = new SamplingThread('/nonexistent/http-worker.cjs');
    await expect(thread.sample(service(url, 1))).rejects.toThrow(/Cannot find module|stopped/);
    await thread.close();
  });
});
