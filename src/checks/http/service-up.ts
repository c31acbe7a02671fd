import { defineCheck } from '../../engine/check.js';
import { isOk, type Sample, type ServiceMeasurement } from '../../probes/http.js';

const describe = (m: ServiceMeasurement) => {
  const all = [m.first, ...m.samples].filter((s): s is Sample => s !== undefined);
  const ok = all.filter(isOk).length;
  const bad = all.find((s) => !isOk(s));
  const why = bad ? (bad.error ?? `HTTP ${bad.status}`) : '';
  return { ok, total: all.length, line: `${m.service.name}: ${ok} of ${all.length} requests answered 2xx${why ? ` (${why})` : ''}` };
};

/** Every configured service endpoint answers HTTP 2xx within its timeout. */
export default defineCheck({
  id: 'http.service-up',
  title: 'Service endpoints answer 2xx',
  nextStep: 'nvcops incident status',
  requires: ['services'],
  unit: 'count',
  timeoutMs: 30_000,
  async run({ probes, signal }) {
    const all = (await probes.http.measureAll(signal)).map((m) => ({ m, ...describe(m) }));
    const details = all.map((x) => x.line);
    const down = all.filter((x) => x.ok === 0);
    const flaky = all.filter((x) => x.ok > 0 && x.ok < x.total);
    const up = all.length - down.length;
    if (down.length) return { status: 'fail', value: up, message: `${down.map((x) => x.m.service.name).join(', ')} down: ${down[0]!.line.split(': ')[1]}`, details };
    if (flaky.length) return { status: 'warn', value: up, message: `${flaky.map((x) => x.m.service.name).join(', ')} failed some requests`, details };
    return { status: 'pass', value: up, message: `${up} of ${all.length} services up`, details };
  },
});
