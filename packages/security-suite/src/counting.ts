/**
 * Bounded work, measured without a clock: every object reachable from a value is wrapped in a
 * Proxy that counts each trap call (property reads, key listings, prototype lookups, …). A
 * classifier that walks a structure in proportion to its size, or follows a cause chain forever,
 * shows up as a count that grows with the input.
 */
export interface ReadCounter {
  reads: number;
}

export function counting<T>(value: T, counter: ReadCounter): T {
  const wrapped = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if ((typeof v !== 'object' || v === null) && typeof v !== 'function') return v;
    const target = v as object;
    const known = wrapped.get(target);
    if (known !== undefined) return known;
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        counter.reads++;
        const out: unknown = Reflect.get(t, key, receiver);
        // Invariant: a non-configurable, non-writable data property must be returned as is.
        const d = Reflect.getOwnPropertyDescriptor(t, key);
        if (d !== undefined && d.configurable === false && d.writable === false) return out;
        return wrap(out);
      },
      has(t, key) {
        counter.reads++;
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        counter.reads++;
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, key) {
        counter.reads++;
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
      getPrototypeOf(t) {
        counter.reads++;
        return Reflect.getPrototypeOf(t);
      },
    });
    wrapped.set(target, proxy);
    return proxy;
  };
  return wrap(value) as T;
}
