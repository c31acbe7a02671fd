/**
 * Every key of the configuration file, walked from the zod schema (src/engine/config/schema.ts), with its
 * kind and its schema default: what docs/configuration.md's key table must list, no more, no less.
 * Notation: `a.b` a nested key, `a[]` the items of a list, `a.<name>` the values of a map.
 */
import type * as z from 'zod';

export interface ConfigKey {
  key: string;
  type: string;
  /** The schema's `.default()`, as JSON; undefined when the schema has none. */
  default?: string;
}

type Def = { type: string; [k: string]: unknown };
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under wrappers that change neither keys nor kind (optional, default, refinements, pipes). */
function unwrap(s: z.ZodType): { inner: z.ZodType; dflt?: unknown } {
  let dflt: unknown;
  for (;;) {
    const d = def(s);
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'readonly' || d.type === 'catch') s = d.innerType as z.ZodType;
    else if (d.type === 'default' || d.type === 'prefault') {
      if (dflt === undefined) dflt = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue;
      s = d.innerType as z.ZodType;
    } else if (d.type === 'pipe') s = d.in as z.ZodType;
    else if (d.type === 'lazy') s = (d.getter as () => z.ZodType)();
    else return { inner: s, dflt };
  }
}

function kind(s: z.ZodType): string {
  const d = def(s);
  switch (d.type) {
    case 'object': return 'map';
    case 'record': return 'map';
    case 'array': return `list of ${kind(unwrap(d.element as z.ZodType).inner)}`;
    case 'union': return [...new Set((d.options as z.ZodType[]).map((o) => kind(unwrap(o).inner)))].join(' or ');
    case 'enum': return Object.values(d.entries as Record<string, string>).join(' \\| ');
    case 'literal': return (d.values as unknown[]).map((v) => JSON.stringify(v)).join(' \\| ');
    case 'number': return (s as unknown as { isInt?: boolean }).isInt ? 'integer' : 'number';
    case 'int': return 'integer';
    default: return d.type;
  }
}

/** The object schemas a value may be (an object, a list of objects, a union with object members). */
function objectsIn(s: z.ZodType, path: string, out: ConfigKey[], seen: Set<string>): void {
  const d = def(s);
  if (d.type === 'object') {
    for (const [k, v] of Object.entries(d.shape as Record<string, z.ZodType>)) walk(v, path ? `${path}.${k}` : k, out, seen);
  } else if (d.type === 'array') {
    const el = unwrap(d.element as z.ZodType).inner;
    if (['object', 'union', 'record', 'array'].includes(def(el).type)) objectsIn(el, `${path}[]`, out, seen);
  } else if (d.type === 'union') {
    for (const o of d.options as z.ZodType[]) objectsIn(unwrap(o).inner, path, out, seen);
  } else if (d.type === 'record') {
    const v = unwrap(d.valueType as z.ZodType).inner;
    if (['object', 'union', 'record', 'array'].includes(def(v).type)) objectsIn(v, `${path}.<name>`, out, seen);
  }
}

function walk(s: z.ZodType, path: string, out: ConfigKey[], seen: Set<string>): void {
  const { inner, dflt } = unwrap(s);
  if (!seen.has(path)) {
    seen.add(path);
    out.push({ key: path, type: kind(inner), ...(dflt === undefined ? {} : { default: JSON.stringify(dflt) }) });
  }
  objectsIn(inner, path, out, seen);
}

/** Every key of `schema` (an object schema), depth first in the schema's order. */
export function configKeys(schema: z.ZodType): ConfigKey[] {
  const out: ConfigKey[] = [];
  objectsIn(unwrap(schema).inner, '', out, new Set());
  return out;
}
