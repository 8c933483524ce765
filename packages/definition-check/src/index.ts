export { checkDefinition, type DefinitionVerdict } from './check-definition.js';
export { checkDefinitionSource } from './check-definition-source.js';
export { DEFAULT_DEFINITION_CAPS, capProblems, type DefinitionCaps } from './definition-caps.js';
export { expressionProblems } from './expression-problems.js';
