import * as z from 'zod';
import { MAX_TIMER_MS, MAX_TIMER_TEXT, parseDuration } from '../units.js';

/** The value kinds every system's keys are made of. */
export const name = z.string().min(1);
export const duration = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h|d)$/, 'a duration such as 500ms, 5s, 2m');
/** A duration that becomes a timer (or a PostgreSQL int timeout): a longer one would fire after 1 ms. */
export const timer = duration.refine((v) => (parseDuration(v) ?? 0) <= MAX_TIMER_MS, `a duration ${MAX_TIMER_TEXT}`);
/** A timeout of 0 would give up before it starts. */
export const timeout = timer.refine((v) => (parseDuration(v) ?? 0) > 0, 'a duration above 0 such as 5s');

export const size = z.string().regex(/^\d+(\.\d+)?\s*(B|kB|MB|GB|TB)$/i, 'a size such as 10 MB, 512 kB, 1 GB');
export const path = z.string().min(1);
export const percent = z.number().min(0).max(100);

export const threshold = z.strictObject({ warn: z.string().optional(), fail: z.string().optional() });
