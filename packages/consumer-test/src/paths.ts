import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Files copied verbatim into the consumer project. */
export const CONSUMER_TEMPLATE = fileURLToPath(new URL('../consumer/', import.meta.url));
