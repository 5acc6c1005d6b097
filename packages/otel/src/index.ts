import {
  type Classification,
  consoleLogger,
  type Four29Logger,
  type HandledErrorEvent,
  type ProviderId,
} from '@four29/core';
import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  metrics,
  SpanStatusCode,
  trace,
  type UpDownCounter,
} from '@opentelemetry/api';

/** The instrumentation scope every instrument is created under. */
export const INSTRUMENTATION_SCOPE = '@four29/otel';

/**
 * four29's provider ids as the GenAI semantic conventions name them in `gen_ai.provider.name`.
 * `google` covers both the Gemini API and Vertex AI, which four29 answers alike, so it is the
 * conventions' "any Google generative AI endpoint"; `genAiProviderNames` can say which one you use.
 * OpenRouter has no well-known value, so it gets a custom one, as the conventions allow. `generic`
 * and unknown ids get none: they need not be GenAI at all.
 */
export const GEN_AI_PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: 'openai',
  'azure-openai': 'azure.ai.openai',
  anthropic: 'anthropic',
  google: 'gcp.gen_ai',
  bedrock: 'aws.bedrock',
  openrouter: 'openrouter',
};

/**
 * Shapes of the `@four29/resilience` hook events, declared here so this package needs no
 * dependency on resilience: `breakerHooks` and friends fit its options structurally.
 */
export interface BreakerStateChangeEvent {
  readonly provider: ProviderId;
  readonly status: 'closed' | 'open' | 'half-open';
  readonly previous: 'closed' | 'open' | 'half-open';
  readonly kind?: string | undefined;
}

export interface PacedFetchHoldEvent {
  readonly origin: string;
  readonly waitMs: number | undefined;
  readonly queued: number;
}

export interface RetryEvent {
  readonly attempt: number;
  readonly delayMs: number;
  readonly classification: Classification;
  readonly error: unknown;
}

export interface Four29OtelOptions {
  /**
   * Where the instruments are created. Default: `metrics.getMeter('@four29/otel')` from the global
   * API, looked up when the first signal is recorded, so an SDK started after `four29Otel()` is
   * still the one that gets them.
   */
  readonly meter?: Meter | undefined;
  /**
   * Also set the active span's status to `ERROR` (description: the kind). Default `false`: the
   * server answered deliberately, and the HTTP instrumentation already marks a server span as an
   * error for a 5xx answer and leaves it unset for a 4xx one, as the HTTP conventions say. Turn it
   * on when the active span is your own span around the upstream call.
   */
  readonly setSpanStatus?: boolean | undefined;
  /**
   * `gen_ai.provider.name` per four29 provider id, merged over {@link GEN_AI_PROVIDER_NAMES}: e.g.
   * `{ google: 'gcp.vertex_ai' }`, or `{ 'my-llm-gateway': 'openai' }`.
   */
  readonly genAiProviderNames?: Readonly<Record<string, string>> | undefined;
  /** Where an option warning goes. Default `consoleLogger`; `false`: nowhere. */
  readonly logger?: Pick<Four29Logger, 'warn'> | false | undefined;
}

export interface Four29Otel {
  /** For `Four29Options.onHandled` of any adapter (or `createUpstreamErrorHandler`). */
  readonly onHandled: (event: HandledErrorEvent) => void;
  /** Spread into `createQuotaBreaker({ ...otel.breakerHooks })`. */
  readonly breakerHooks: { readonly onStateChange: (event: BreakerStateChangeEvent) => void };
  /** Spread into `createPacedFetch({ ...otel.pacedFetchHooks })`. */
  readonly pacedFetchHooks: { readonly onHold: (event: PacedFetchHoldEvent) => void };
  /** Spread into `withRetry(fn, { ...otel.retryHooks })`. */
  readonly retryHooks: { readonly onRetry: (event: RetryEvent) => void };
}

interface Instruments {
  readonly errors: Counter;
  readonly retries: Counter;
  readonly transitions: Counter;
  readonly open: UpDownCounter;
  readonly holds: Counter;
  readonly holdWait: Histogram;
}

const KNOWN = new Set(['meter', 'setSpanStatus', 'genAiProviderNames', 'logger']);

/**
 * Provider codes become `error.type`, a metric attribute: each distinct value is a time series.
 * Codes of the providers four29 knows are a few dozen; a plain HTTP API could send anything, so
 * only code-like values count and, past this many, a new one falls back to the kind.
 */
const MAX_ERROR_TYPES = 64;
const CODE_LIKE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

function isMeter(value: unknown): value is Meter {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.createCounter === 'function' &&
    typeof m.createUpDownCounter === 'function' &&
    typeof m.createHistogram === 'function'
  );
}

function read(options: unknown, name: string): unknown {
  try {
    return (options as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

function createInstruments(meter: Meter): Instruments {
  return {
    errors: meter.createCounter('four29.upstream.errors', {
      description: 'Upstream errors four29 answered, by kind, provider and downstream status.',
      unit: '{error}',
    }),
    retries: meter.createCounter('four29.retry.attempts', {
      description: 'Retries withRetry scheduled after an upstream error.',
      unit: '{retry}',
    }),
    transitions: meter.createCounter('four29.breaker.transitions', {
      description: 'Quota breaker state changes.',
      unit: '{transition}',
    }),
    open: meter.createUpDownCounter('four29.breaker.open', {
      description: 'Quota breakers not closed (open or half-open) in this process.',
      unit: '{breaker}',
    }),
    holds: meter.createCounter('four29.pacing.holds', {
      description: 'Requests the paced fetch held back before sending.',
      unit: '{request}',
    }),
    holdWait: meter.createHistogram('four29.pacing.hold.expected_wait', {
      description: 'How long a held request was expected to wait, when the budget headers told.',
      unit: 's',
    }),
  };
}

function originHost(origin: unknown): string | undefined {
  if (typeof origin !== 'string') return undefined;
  try {
    return new URL(origin).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * OpenTelemetry signals for four29. Options are checked here, once; the returned hooks never throw
 * and record nothing about keys, request bodies or upstream messages.
 */
export function four29Otel(options: Four29OtelOptions = {}): Four29Otel {
  const problems: string[] = [];
  const input: unknown = options ?? {};
  if (typeof input !== 'object' || input === null)
    problems.push('options: expected an object; using the defaults');
  else
    try {
      for (const name of Object.keys(input))
        if (!KNOWN.has(name)) problems.push(`${name}: not a @four29/otel option; ignored`);
    } catch {
      // A Proxy without ownKeys: the known options are still read one by one.
    }

  const loggerOption = read(input, 'logger');
  let logger: Pick<Four29Logger, 'warn'> | undefined = consoleLogger;
  if (loggerOption === false) logger = undefined;
  else if (loggerOption !== undefined) {
    if (typeof read(loggerOption, 'warn') === 'function')
      logger = loggerOption as Pick<Four29Logger, 'warn'>;
    else problems.push('logger: expected false or an object with warn(); using the console');
  }

  const meterOption = read(input, 'meter');
  let meter: Meter | undefined;
  if (isMeter(meterOption)) meter = meterOption;
  else if (meterOption !== undefined)
    problems.push('meter: expected an OpenTelemetry Meter; using the global meter provider');

  const statusOption = read(input, 'setSpanStatus');
  if (statusOption !== undefined && typeof statusOption !== 'boolean')
    problems.push('setSpanStatus: expected a boolean; using false');
  const setSpanStatus = statusOption === true;

  const genAiNames: Record<string, string> = { ...GEN_AI_PROVIDER_NAMES };
  const namesOption = read(input, 'genAiProviderNames');
  if (namesOption !== undefined) {
    if (typeof namesOption !== 'object' || namesOption === null)
      problems.push('genAiProviderNames: expected an object of strings; ignored');
    else
      try {
        for (const [id, name] of Object.entries(namesOption))
          if (typeof name === 'string' && name.length > 0) genAiNames[id] = name;
          else problems.push(`genAiProviderNames.${id}: expected a non-empty string; ignored`);
      } catch {
        problems.push('genAiProviderNames: could not be read; ignored');
      }
  }

  if (problems.length > 0 && logger !== undefined)
    try {
      logger.warn(
        { event: 'four29.invalid_options', package: INSTRUMENTATION_SCOPE, problems },
        `@four29/otel: ${problems.length === 1 ? 'an option was' : `${problems.length} options were`} not understood and fell back to defaults: ${problems.join('; ')}`,
      );
    } catch {
      // A broken logger must not stop the application from starting.
    }

  let instruments: Instruments | undefined;
  const instrumentsNow = (): Instruments => {
    instruments ??= createInstruments(meter ?? metrics.getMeter(INSTRUMENTATION_SCOPE));
    return instruments;
  };

  const errorTypes = new Set<string>();
  const errorType = (c: Classification): string => {
    const code = c.upstreamCode;
    if (typeof code !== 'string' || !CODE_LIKE.test(code)) return c.kind;
    if (errorTypes.has(code)) return code;
    if (errorTypes.size >= MAX_ERROR_TYPES) return c.kind;
    errorTypes.add(code);
    return code;
  };

  const providerAttributes = (provider: unknown): Attributes => {
    const id = typeof provider === 'string' && provider.length > 0 ? provider : 'generic';
    const genAi = Object.hasOwn(genAiNames, id) ? genAiNames[id] : undefined;
    return genAi !== undefined
      ? { 'four29.provider': id, 'gen_ai.provider.name': genAi }
      : { 'four29.provider': id };
  };

  const isClassification = (value: unknown): value is Classification =>
    typeof read(value, 'kind') === 'string';

  const onHandled = (event: HandledErrorEvent): void => {
    try {
      const c = read(event, 'classification');
      if (!isClassification(c)) return;
      const status = read(event, 'status');
      const type = errorType(c);
      const common: Attributes = {
        'error.type': type,
        'four29.kind': c.kind,
        ...providerAttributes(c.provider),
      };
      instrumentsNow().errors.add(
        1,
        typeof status === 'number' ? { ...common, 'http.response.status_code': status } : common,
      );

      const span = trace.getActiveSpan();
      if (span === undefined || !span.isRecording()) return;
      const attributes: Attributes = { ...common, 'four29.retryable': c.retryable === true };
      if (typeof c.retryAfterMs === 'number') attributes['four29.retry_after_ms'] = c.retryAfterMs;
      if (typeof c.upstreamStatus === 'number')
        attributes['four29.upstream.status_code'] = c.upstreamStatus;
      if (typeof c.upstreamRequestId === 'string')
        attributes['four29.upstream.request_id'] = c.upstreamRequestId;
      span.setAttributes(attributes);
      if (setSpanStatus) span.setStatus({ code: SpanStatusCode.ERROR, message: c.kind });
    } catch {
      // Telemetry must never change the answer.
    }
  };

  const onRetry = (event: RetryEvent): void => {
    try {
      const c = read(event, 'classification');
      if (!isClassification(c)) return;
      instrumentsNow().retries.add(1, {
        'error.type': errorType(c),
        'four29.kind': c.kind,
        ...providerAttributes(c.provider),
      });
    } catch {
      // As above.
    }
  };

  const onStateChange = (event: BreakerStateChangeEvent): void => {
    try {
      const status = read(event, 'status');
      const previous = read(event, 'previous');
      if (typeof status !== 'string' || typeof previous !== 'string' || status === previous) return;
      const provider = providerAttributes(read(event, 'provider'));
      const kind = read(event, 'kind');
      const i = instrumentsNow();
      i.transitions.add(1, {
        ...provider,
        'four29.breaker.state': status,
        'four29.breaker.previous_state': previous,
        ...(typeof kind === 'string' ? { 'four29.kind': kind } : {}),
      });
      // Open and half-open both mean the key is not usable: one gauge a rule can alert on.
      if (previous === 'closed') i.open.add(1, provider);
      else if (status === 'closed') i.open.add(-1, provider);
    } catch {
      // As above.
    }
  };

  const onHold = (event: PacedFetchHoldEvent): void => {
    try {
      const host = originHost(read(event, 'origin'));
      const attributes: Attributes = host !== undefined ? { 'server.address': host } : {};
      const i = instrumentsNow();
      i.holds.add(1, attributes);
      const waitMs = read(event, 'waitMs');
      if (typeof waitMs === 'number' && Number.isFinite(waitMs) && waitMs >= 0)
        i.holdWait.record(waitMs / 1000, attributes);
    } catch {
      // As above.
    }
  };

  return {
    onHandled,
    breakerHooks: { onStateChange },
    pacedFetchHooks: { onHold },
    retryHooks: { onRetry },
  };
}
