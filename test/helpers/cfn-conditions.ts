/**
 * What CloudFormation makes of a packaged template's conditions, for offline checks: each entry of
 * `Conditions` evaluated (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition over literals), then every
 * `Fn::If` in a value replaced by its chosen branch and every `Ref: AWS::NoValue` dropped, as the
 * intrinsic function reference defines them. Anything the template evaluates at deploy time from
 * resources (Ref, Fn::GetAtt, Fn::Join…) is left as it is; a condition this cannot decide is an error,
 * so a template it cannot read fails the test instead of passing it.
 */

type Conditions = Record<string, unknown>;

const NO_VALUE = Symbol('AWS::NoValue');

function isNoValue(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as Record<string, unknown>).Ref === 'AWS::NoValue'
  );
}

/** The boolean value of one condition expression. */
function condition(expression: unknown, conditions: Conditions, seen: string[] = []): boolean {
  const [name, args] = Object.entries(expression as Record<string, unknown>)[0] ?? [];
  const list = args as unknown[];
  switch (name) {
    case 'Fn::Equals': {
      const [a, b] = list;
      if (typeof a !== 'string' || typeof b !== 'string') {
        throw new Error(`cannot decide ${JSON.stringify(expression)}: not two literals`);
      }
      return a === b;
    }
    case 'Fn::Not':
      return !condition(list[0], conditions, seen);
    case 'Fn::And':
      return list.every((item) => condition(item, conditions, seen));
    case 'Fn::Or':
      return list.some((item) => condition(item, conditions, seen));
    case 'Condition':
      return named(args as string, conditions, seen);
    default:
      throw new Error(`cannot decide ${JSON.stringify(expression)}`);
  }
}

function named(name: string, conditions: Conditions, seen: string[]): boolean {
  if (seen.includes(name)) throw new Error(`condition ${name} refers to itself`);
  if (!(name in conditions)) throw new Error(`no condition named ${name}`);
  return condition(conditions[name], conditions, [...seen, name]);
}

function resolve(value: unknown, conditions: Conditions): unknown {
  if (isNoValue(value)) return NO_VALUE;
  if (Array.isArray(value)) {
    return value.map((item) => resolve(item, conditions)).filter((item) => item !== NO_VALUE);
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first?.[0] === 'Fn::If') {
    const [name, whenTrue, whenFalse] = first[1] as [string, unknown, unknown];
    return resolve(named(name, conditions, []) ? whenTrue : whenFalse, conditions);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolve(item, conditions);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** `value` with every Fn::If decided by the template's `conditions` and every AWS::NoValue removed. */
export function withConditionsApplied<T>(value: T, conditions: Conditions = {}): T {
  const resolved = resolve(value, conditions);
  if (resolved === NO_VALUE) throw new Error('the whole value is AWS::NoValue');
  return resolved as T;
}
