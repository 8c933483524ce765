export { workflowDefinitions } from './workflow-definitions.js';
export { workflowExecutions } from './workflow-executions.js';
export { stepRuns } from './step-runs.js';
export { workflowSnapshots } from './workflow-snapshots.js';
export { workflowLogs } from './workflow-logs.js';
export { errors } from './errors.js';
export { alerts } from './alerts.js';
export { recoveryStrategies } from './recovery-strategies.js';
