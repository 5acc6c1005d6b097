export * from './cases.js';
export * from './harness.js';
