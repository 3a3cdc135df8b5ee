/** Small helpers over parsed JSON, whose type is `unknown` until looked at. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object, else undefined. */
export function prop(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** `value` when it is an array, else an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The path of the first difference between two JSON values (object key order ignored), or undefined. */
export function firstDifference(left: unknown, right: unknown, path = '$'): string | undefined {
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right)) return `${path}: ${describe(left)} vs ${describe(right)}`;
    if (left.length !== right.length) return `${path}: ${left.length} elements vs ${right.length}`;
    for (let index = 0; index < left.length; index += 1) {
      const difference = firstDifference(left[index], right[index], `${path}[${index}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (isRecord(left) || isRecord(right)) {
    if (!isRecord(left) || !isRecord(right)) return `${path}: ${describe(left)} vs ${describe(right)}`;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) {
      if (!(key in left) || !(key in right)) return `${path}.${key}: present on one side only`;
      const difference = firstDifference(left[key], right[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return undefined;
  }
  return Object.is(left, right) ? undefined : `${path}: ${describe(left)} vs ${describe(right)}`;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Reads parsed JSON strictly: each accessor throws, naming the path, when the value is not of the expected kind,
 * so that two answers missing the same field cannot pass as agreeing.
 */
export class JsonReader {
  constructor(
    readonly value: unknown,
    readonly path = '$',
  ) {}

  get(key: string): JsonReader {
    if (!isRecord(this.value)) throw this.expected('an object');
    return new JsonReader(this.value[key], `${this.path}.${key}`);
  }

  list(): JsonReader[] {
    if (!Array.isArray(this.value)) throw this.expected('a list');
    return this.value.map((entry, index) => new JsonReader(entry, `${this.path}[${index}]`));
  }

  /** The one element of a list. */
  only(): JsonReader {
    const entries = this.list();
    if (entries.length !== 1 || !entries[0]) throw this.expected('a list of one element');
    return entries[0];
  }

  string(): string {
    if (typeof this.value !== 'string') throw this.expected('a string');
    return this.value;
  }

  integer(): number {
    if (typeof this.value !== 'number' || !Number.isSafeInteger(this.value)) throw this.expected('an integer');
    return this.value;
  }

  /** A string, or null. */
  nullableString(): string | null {
    return this.value === null ? null : this.string();
  }

  /** An unsigned integer given as a number or as a string of digits (GraphQL's BigInt), as a string. */
  digits(): string {
    if (typeof this.value === 'number' && Number.isSafeInteger(this.value) && this.value >= 0) return String(this.value);
    if (typeof this.value === 'string' && /^\d+$/.test(this.value)) return this.value;
    throw this.expected('an unsigned integer');
  }

  private expected(what: string): Error {
    return new Error(`${this.path}: expected ${what}, got ${describe(this.value)}`);
  }
}
