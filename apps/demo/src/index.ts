export { CASES, type Case, caseId, type Route, SCENARIOS, type Scenario } from './cases.js';
export { type AppOptions, FRAMEWORKS, type Framework, type RunningApp } from './frameworks.js';
export { renderDisagreements, renderProblem, renderTable } from './report.js';
export {
  cell,
  DEMO_PROMPT,
  type Disagreement,
  disagreements,
  type Outcome,
  parseSse,
  runAll,
  runCase,
  type SseEvent,
  signature,
} from './runner.js';
export {
  renderSharedBudget,
  runSharedBudget,
  type SharedBudgetOptions,
  type SharedBudgetResult,
  type SharedBudgetRow,
  type SharedBudgetVariant,
} from './shared-budget.js';
export {
  DEMO_ANTHROPIC_KEY,
  DEMO_OPENAI_KEY,
  type Stack,
  type StackOptions,
  type StartedApp,
  startStack,
} from './stack.js';
