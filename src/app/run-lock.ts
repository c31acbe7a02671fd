/**
 * One run of a command per environment at a time: a scheduled run that overlaps the previous one
 * (or a person's) waits for it, or with `--if-running exit` exits 75, so that two runs never write
 * the same history at once. The lock lives in the state store (a file, or an advisory lock in the
 * shared PostgreSQL store, which covers every host that shares it).
 */
import type { Config } from '../engine/config/index.js';
import { RunInProgress } from '../engine/errors.js';
import { pause } from '../engine/interrupt.js';
import type { Redactor } from '../engine/redact.js';
import { write } from '../report/output.js';

export type IfRunning = 'wait' | 'exit';

/** How often a waiting run asks again. */
const POLL_MS = 500;

/** How long a state store may take to answer one lock request before the run goes ahead without the lock. */
const ANSWER_MS = 5_000;

type Late = { late: true };
/**
 * The store's answer, or `late` when it takes longer than ANSWER_MS (a frozen server) or the run is
 * interrupted meanwhile; a late answer that comes after all is undone by `undo`.
 */
function answered<T>(promise: Promise<T>, signal: AbortSignal, undo: (value: T) => Promise<unknown>): Promise<T | Late> {
  let settled = false;
  return new Promise((resolve, reject) => {
    const late = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      promise.then((v) => undo(v), () => undefined).catch(() => undefined);
      resolve({ late: true });
    };
    const timer = setTimeout(late, ANSWER_MS);
    signal.addEventListener('abort', late, { once: true });
    promise.then(
      (v) => { if (!settled) { settled = true; clearTimeout(timer); signal.removeEventListener('abort', late); resolve(v); } },
      (e) => { if (!settled) { settled = true; clearTimeout(timer); signal.removeEventListener('abort', late); reject(e); } },
    );
  });
}
const isLate = (v: unknown): v is Late => typeof v === 'object' && v !== null && 'late' in v;

/**
 * Takes the run lock of `key` (command @ environment); returns its release. Waits at most `waitMs`
 * (the run's own deadline) for another run to finish. A state store that fails or does not answer does
 * not stop the run: the morning check matters more than its exclusivity. A store that fails is said
 * once, by the history write that fails after the run; one that does not answer within ANSWER_MS is
 * said here. Interrupted while it waits, the run goes on to report itself interrupted.
 */
export async function holdRun(config: Config, key: string, opts: { ifRunning: IfRunning; waitMs: number; signal: AbortSignal; redactor: Redactor }): Promise<() => Promise<void>> {
  const unguarded = (why?: string) => {
    if (why && !opts.signal.aborted) write(`nvcops: run lock not taken (${why}); another run of ${key} may overlap this one\n`, opts.redactor, process.stderr);
    return async () => undefined;
  };
  const { openStore } = await import('../state/index.js');
  type Opened = Awaited<ReturnType<typeof openStore>>;
  let store: Opened | Late;
  try {
    store = await answered(openStore(config), opts.signal, (s) => s.close());
  } catch {
    return unguarded();
  }
  if (isLate(store)) return unguarded(`the state store did not answer within ${ANSWER_MS / 1000} s`);
  const opened = store;
  const until = Date.now() + opts.waitMs;
  let said = false;
  for (;;) {
    let got: Awaited<ReturnType<Opened['tryRunLock']>> | Late;
    try {
      got = await answered(opened.tryRunLock(key), opts.signal, async (g) => { if ('release' in g) await g.release(); await opened.close(); });
    } catch {
      await opened.close();
      return unguarded();
    }
    if (isLate(got)) return unguarded(`the state store did not answer within ${ANSWER_MS / 1000} s`);
    const held = got;
    if ('release' in held) return async () => { await held.release(); await opened.close(); };
    if (opts.ifRunning === 'exit' || Date.now() + POLL_MS > until || opts.signal.aborted) {
      await opened.close();
      if (opts.signal.aborted) return async () => undefined;
      const waited = opts.ifRunning === 'wait' ? `; waited ${Math.round(opts.waitMs / 1000)} s (--timeout)` : '';
      throw new RunInProgress(`${key}: another run is still going (${held.heldBy})${waited}; try again when it has finished`);
    }
    if (!said) write(`nvcops: waiting for the run of ${key} that is still going (${held.heldBy}); --if-running exit does not wait\n`, opts.redactor, process.stderr);
    said = true;
    await pause(POLL_MS, opts.signal);
  }
}
