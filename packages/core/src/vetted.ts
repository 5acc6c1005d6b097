/**
 * Values four29 produced itself and has already made safe to send and log: remediation steps from
 * the (frozen) catalogue, and the upstream message `classify` redacted. `toProblem` and
 * `toLogRecord` vet whatever they are given, because a classification may be built by hand; what is
 * registered here skips a second redaction pass, which on the error path cost as much as the first.
 * Identity-based: a hand-built or mutated value is never mistaken for a vetted one.
 */
const vettedSteps = /* @__PURE__ */ new WeakSet<object>();
/**
 * The last classification `classify` made and the message it redacted. One slot, not a WeakMap:
 * the log record is built right after classifying (or not at all), and a slot costs nothing per
 * error, where a WeakMap entry costs a hash-table insert and GC work. An older classification
 * simply gets its message redacted again.
 */
let lastClassification: object | undefined;
let lastMessage: string | undefined;

/** Registers catalogue steps: frozen objects whose every string is literal text written by us. */
export function vetSteps(steps: Iterable<object>): void {
  for (const step of steps) if (Object.isFrozen(step)) vettedSteps.add(step);
}

/**
 * `derive(step)`: worked out once for a catalogue step (frozen, so the answer never changes) and
 * kept in `cache`; every time for any other step, which may be hand-built or mutable.
 */
export function perStep<T>(
  cache: WeakMap<object, T>,
  step: object,
  derive: (step: object) => T,
): T {
  if (!vettedSteps.has(step)) return derive(step);
  let value = cache.get(step);
  if (value === undefined) {
    value = derive(step);
    cache.set(step, value);
  }
  return value;
}

const vettedLists = /* @__PURE__ */ new WeakSet<object>();

/** Registers a frozen list of catalogue steps (one remediation's steps). */
export function vetStepList(list: readonly object[]): void {
  if (Object.isFrozen(list) && list.every((s) => vettedSteps.has(s))) vettedLists.add(list);
}

export function isVettedStepList(list: unknown): list is readonly object[] {
  return typeof list === 'object' && list !== null && vettedLists.has(list);
}

/** Records that `classification.upstreamMessage` is `message`, redacted by the built-in patterns. */
export function vetMessage(classification: object, message: string): void {
  lastClassification = classification;
  lastMessage = message;
}

/**
 * True when `message` is exactly what `classify` redacted and stored on this classification: the
 * field was not replaced since.
 */
export function isVettedMessage(classification: object, message: unknown): boolean {
  return (
    typeof message === 'string' && classification === lastClassification && message === lastMessage
  );
}
