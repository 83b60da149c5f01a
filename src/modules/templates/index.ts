// Message templates (Liquid): the service, its types and the context-provider contract other modules implement.
export { TemplateService, type CompiledTemplate, type RenderResult, type RenderFailureInfo, type PreviewResult, type TemplateView } from './service.ts';
export type { RenderedContent } from './render.ts';
export { MESSAGING_CHANNEL_TYPES, type MessagingChannelType, type TemplateContent } from './channels.ts';
export type { ContextProvider, LoadScope } from './context/registry.ts';
export type { RecommendationProvider, RecommendedProduct } from './context/providers.ts';
export { v, type VariableSchema, type VarSpec } from './variables.ts';
export { countSms, type SmsCount } from './sms.ts';
export { RENDER_FACTS, type OutsideFilter, type RenderFacts } from './engine.ts';
