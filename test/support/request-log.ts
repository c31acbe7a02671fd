/** A day of JSON request lines, `failed` of them answered 503 (the application log the error-rate line reads). */
export function requestLog(requests: number, failed: number, now = Date.now()): string {
  const lines: string[] = [];
  for (let i = 0; i < requests; i++) {
    const status = i < failed ? 503 : 200;
    lines.push(JSON.stringify({ time: new Date(now - 23 * 3600_000 + (i * 23 * 3600_000) / requests).toISOString(), level: status >= 500 ? 'error' : 'info', msg: 'request', status }));
  }
  return `${lines.join('\n')}\n`;
}
