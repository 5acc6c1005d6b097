import { expressTarget } from './express.js';
import { honoTarget } from './hono.js';
import { koaTarget } from './koa.js';
import { nestExpressTarget, nestFastifyTarget } from './nest.js';
import type { Target } from './types.js';

export * from './types.js';
export { expressTarget, honoTarget, koaTarget, nestExpressTarget, nestFastifyTarget };

/** Every adapter, each through its real framework (Nest on both of its HTTP platforms). */
export const TARGETS: readonly Target[] = [
  expressTarget,
  koaTarget,
  honoTarget,
  nestExpressTarget,
  nestFastifyTarget,
];
