// Pure segmentation models (RFM, lifecycle stages, value tiers): configs, classifiers and threshold helpers.
export * from './shared.ts';
export * from './rfm.ts';
export * from './lifecycle.ts';
export * from './value-tier.ts';
