/** The service sampling thread of src/probes/http-thread.ts, bundled as dist/http-worker.cjs. */
import { parentPort } from 'node:worker_threads';
import type { SampleReply, SampleRequest } from './http-thread.js';
import { sampleService } from './http.js';

const port = parentPort!;
const running = new Map<number, AbortController>();
port.on('message', (m: SampleRequest) => {
  if ('stop' in m) return running.get(m.id)?.abort();
  const stop = new AbortController();
  running.set(m.id, stop);
  sampleService(m.service, stop.signal)
    .then(
      (measurement) => port.postMessage({ id: m.id, measurement } satisfies SampleReply),
      (e: Error) => port.postMessage({ id: m.id, error: e.message } satisfies SampleReply),
    )
    .finally(() => running.delete(m.id));
});
