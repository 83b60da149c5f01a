// The segment rule language: validation (parseRule), dependencies (ruleDeps) and compilation to SQL (compileRule).
export type { Rule, CompareOp, CountOp, PropertyFilter } from './schema.ts';
export { RuleSchema, RULE_LIMITS } from './schema.ts';
export { parseRule, RULE_INVALID } from './parse.ts';
export { ruleDeps, type RuleDeps } from './deps.ts';
export { compileRule, type CompileOptions, type CompiledRule } from './compile.ts';
export type { RuleDialect } from './sql-builder.ts';
