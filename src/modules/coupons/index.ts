// The coupons module: templates, codes, issue/claim under limits, redemption, refunds, expiry, funnel.
export { CouponsService, type CouponsDeps, type IssueOneResult, type IssueManyResult, type IssueOptions, type RedeemResult } from './service.ts';
