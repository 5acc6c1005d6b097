import type { Classification, ClassifyOptions } from '../types.js';

// STUB — replaced by the classifier.
export function classify(_thrown: unknown, _options?: ClassifyOptions): Classification | null {
  return null;
}
