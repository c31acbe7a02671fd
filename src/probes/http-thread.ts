/**
 * Samples services on a worker thread (dist/http-worker.cjs), so that the latencies measured are the
 * services' own: on the main thread, a response that arrives while a check parses a day of log waits
 * for it, and that wait would be counted as the service's.
 */
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { SamplingThread as Sampler, ServiceMeasurement, ServiceTarget } from './http.js';

declare const NVCOPS_HTTP_WORKER: string | undefined;

/** The worker script beside the CLI bundle (scripts/build.mjs); none when running from source, where services are sampled in-thread. */
export const HTTP_WORKER = typeof NVCOPS_HTTP_WORKER === 'string' ? join(__dirname, NVCOPS_HTTP_WORKER) : undefined;

export type SampleRequest = { id: number; service: ServiceTarget } | { id: number; stop: true };
export type SampleReply = { id: number; measurement: ServiceMeasurement } | { id: number; error: string };

interface Pending {
  resolve: (m: ServiceMeasurement) => void;
  reject: (e: Error) => void;
}

/** One worker, started by the first sample; it keeps the process alive only while a sample is pending. */
export class SamplingThread implements Sampler {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor(private readonly script: string) {}

  sample(service: ServiceTarget, signal?: AbortSignal): Promise<ServiceMeasurement> {
    return new Promise((resolve, reject) => {
      const id = this.next++;
      this.pending.set(id, { resolve, reject });
      const worker = this.start();
      worker.ref();
      worker.postMessage({ id, service } satisfies SampleRequest);
      // Stopped (before or during): the worker sends no more requests and answers with what it has.
      const stop = () => this.worker?.postMessage({ id, stop: true } satisfies SampleRequest);
      if (signal?.aborted) stop();
      else signal?.addEventListener('abort', stop, { once: true });
    });
  }

  close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // Loaded on first use: most runs sample no service.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const worker = new Worker(this.script);
    worker.on('message', (m: SampleReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) worker.unref();
      if ('measurement' in m) p.resolve(m.measurement);
      else p.reject(new Error(m.error));
    });
    worker.on('error', (e) => this.fail(worker, e));
    worker.on('exit', (code) => this.fail(worker, new Error(`the service sampling thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, e: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
