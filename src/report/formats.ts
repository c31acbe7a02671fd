/** The --format values; src/report/index.ts maps each to its renderer (the compiler keeps them in step). */
export const FORMATS = ['human', 'json', 'junit', 'nagios', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];
