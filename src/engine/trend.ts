/** A straight line fitted by least squares: y = intercept + slope·x, with R² for how well it fits. */
export interface Trend {
  slope: number;
  intercept: number;
  /** 1 is a perfect line, 0 explains nothing (a flat series that never moves counts as 1). */
  r2: number;
  n: number;
}

/** Ordinary least squares over (x, y) points; undefined with fewer than 3 points (no trend to speak of). */
export function leastSquares(points: readonly { x: number; y: number }[]): Trend | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  // The mean taken from the first value: exactly equal values then leave no rounding residue (flat, R² 1), not noise.
  const y0 = points[0]!.y;
  const my = y0 + points.reduce((a, p) => a + (p.y - y0), 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), n };
}

/**
 * When the fitted line reaches `limit`, in x units after `x0` (Prometheus predict_linear, turned
 * around): 0 if it is there already, undefined if the line never gets there (flat or moving away).
 * A `strict` limit (`> 0`) is reached only past it: a line lying on it is not there.
 */
export function untilLimit(t: Trend, limit: number, x0: number, direction: 'up' | 'down' = 'up', strict = false): number | undefined {
  const now = t.intercept + t.slope * x0;
  const there = direction === 'up' ? (strict ? now > limit : now >= limit) : (strict ? now < limit : now <= limit);
  if (there) return 0;
  if (direction === 'up' ? t.slope <= 0 : t.slope >= 0) return undefined;
  return (limit - now) / t.slope;
}
