// Community (社群): WeCom customer groups, members, join/leave events, SOPs, audiences and reports.
export { CommunityService, SYNC_JOB, type CommunityDeps } from './service.ts';
export { SOP_JOB, sopSourceKey } from './sops.ts';
export { GROUP_JOINED, GROUP_LEFT } from './membership.ts';
export { communityRoutes } from './routes.ts';
