// Campaigns (裂变): referral, group-buy, share-assist and bargain on the store.
export { CampaignsService, type CampaignsDeps } from './service.ts';
