import { EXIT } from './errors.js';

/**
 * The signals that stop a run and still get its report: Ctrl-C (SIGINT), and SIGTERM, which systemd,
 * Kubernetes and CI runners send. Each exits 128 + the signal's number, as the shell reports it.
 */
const STOPPING = { SIGINT: { exitCode: EXIT.interrupted, said: 'Ctrl-C' }, SIGTERM: { exitCode: EXIT.terminated, said: 'SIGTERM' } } as const;
type StopSignal = keyof typeof STOPPING;

export interface Interrupt {
  /** Aborted by the first SIGINT or SIGTERM; its reason is the signal's name. */
  signal: AbortSignal;
  /** Stops listening (the signals end the process at once again). */
  release(): void;
}

/**
 * Turns the first SIGINT or SIGTERM into an abort, so that what finished is reported and an action's
 * audit record says `interrupted`. A second one ends the process at once, by that signal, for a person
 * (or a supervisor) who will not wait for the clean-up.
 */
export function interruptOnSignals(): Interrupt {
  const controller = new AbortController();
  const release = () => {
    for (const name of Object.keys(STOPPING) as StopSignal[]) process.off(name, stop);
  };
  // Listening on after the first signal: execa's child clean-up (signal-exit) kills the process on a signal no one else listens to.
  function stop(name: StopSignal): void {
    if (!controller.signal.aborted) return controller.abort(name);
    release();
    process.kill(process.pid, name);
  }
  for (const name of Object.keys(STOPPING) as StopSignal[]) process.on(name, stop);
  return { signal: controller.signal, release };
}

/** What stopped a run: an abort that names no signal (a test's, a library's) counts as Ctrl-C. */
const stoppedBy = (signal: AbortSignal) => STOPPING[signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'];

/** The exit code of a run a signal stopped: 130 for Ctrl-C, 143 for SIGTERM. */
export const interruptedExitCode = (signal: AbortSignal): number => stoppedBy(signal).exitCode;

/** Who stopped a run, in a report's words: `Ctrl-C` or `SIGTERM`. */
export const interruptedBy = (signal: AbortSignal): string => stoppedBy(signal).said;

/**
 * Waits `ms`, or less when `signal` aborts. The timer's listener leaves the signal when the time is up,
 * so waits repeated on one signal (--wait attempts, a run lock polled) do not pile listeners on it.
 */
export const pause = (ms: number, signal: AbortSignal): Promise<void> => new Promise<void>((resolve) => {
  const stop = () => { clearTimeout(t); resolve(); };
  const t = setTimeout(() => { signal.removeEventListener('abort', stop); resolve(); }, ms);
  signal.addEventListener('abort', stop, { once: true });
});
