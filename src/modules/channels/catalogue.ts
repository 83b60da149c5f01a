// The source channels a Chinese consumer brand meets, with display names; brands may add their own.

export interface ChannelDef {
  id: string;
  name: string;
  name_en: string;
  kind: 'owned' | 'social' | 'offline' | 'ecommerce' | 'other';
}

export const BUILTIN_CHANNELS: ChannelDef[] = [
  { id: 'miniprogram', name: '微信小程序', name_en: 'WeChat mini-program', kind: 'owned' },
  { id: 'app', name: 'App', name_en: 'App', kind: 'owned' },
  { id: 'web', name: '官网/H5', name_en: 'Website / H5', kind: 'owned' },
  { id: 'official_account', name: '公众号', name_en: 'Official account', kind: 'social' },
  { id: 'wecom', name: '企业微信', name_en: 'WeCom', kind: 'social' },
  { id: 'group', name: '社群', name_en: 'WeChat group', kind: 'social' },
  { id: 'store', name: '门店/POS', name_en: 'Store / POS', kind: 'offline' },
  { id: 'tmall', name: '天猫', name_en: 'Tmall', kind: 'ecommerce' },
  { id: 'jd', name: '京东', name_en: 'JD.com', kind: 'ecommerce' },
  { id: 'douyin', name: '抖音', name_en: 'Douyin', kind: 'ecommerce' },
  { id: 'pinduoduo', name: '拼多多', name_en: 'Pinduoduo', kind: 'ecommerce' },
  { id: 'youzan', name: '有赞', name_en: 'Youzan', kind: 'ecommerce' },
  { id: 'ecommerce', name: '电商（其他）', name_en: 'E-commerce (other)', kind: 'ecommerce' },
];
