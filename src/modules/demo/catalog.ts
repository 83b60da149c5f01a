// The demo brand 「茶咖时光」: cities and stores, menu, coupons, channels and tag groups — fixed data, no randomness.

export const BRAND = { name: '茶咖时光', nameEn: 'TeaCoffee Time', miniProgramAppId: 'wx5c8e2f1a9b7d3c60', officialAccountAppId: 'wx1d9a7c3e5b2f8046' };

export interface City {
  code: string;
  name: string;
  /** Province (the `region` attribute of members). */
  province: string;
  area: string;
  /** Share of members. */
  weight: number;
  stores: number;
}

export const CITIES: City[] = [
  { code: 'sh', name: '上海', province: '上海市', area: '华东', weight: 10, stores: 32 },
  { code: 'bj', name: '北京', province: '北京市', area: '华北', weight: 9, stores: 28 },
  { code: 'gz', name: '广州', province: '广东省', area: '华南', weight: 7.5, stores: 24 },
  { code: 'sz', name: '深圳', province: '广东省', area: '华南', weight: 7.5, stores: 24 },
  { code: 'cd', name: '成都', province: '四川省', area: '西南', weight: 7, stores: 20 },
  { code: 'hz', name: '杭州', province: '浙江省', area: '华东', weight: 6, stores: 18 },
  { code: 'cq', name: '重庆', province: '重庆市', area: '西南', weight: 5, stores: 15 },
  { code: 'wh', name: '武汉', province: '湖北省', area: '华中', weight: 5, stores: 15 },
  { code: 'nj', name: '南京', province: '江苏省', area: '华东', weight: 5, stores: 14 },
  { code: 'su', name: '苏州', province: '江苏省', area: '华东', weight: 4, stores: 12 },
  { code: 'cs', name: '长沙', province: '湖南省', area: '华中', weight: 4, stores: 12 },
  { code: 'xa', name: '西安', province: '陕西省', area: '西北', weight: 4, stores: 11 },
  { code: 'tj', name: '天津', province: '天津市', area: '华北', weight: 3, stores: 9 },
  { code: 'zz', name: '郑州', province: '河南省', area: '华中', weight: 3, stores: 9 },
  { code: 'dg', name: '东莞', province: '广东省', area: '华南', weight: 2.2, stores: 7 },
  { code: 'qd', name: '青岛', province: '山东省', area: '华东', weight: 2.2, stores: 7 },
  { code: 'nb', name: '宁波', province: '浙江省', area: '华东', weight: 2, stores: 7 },
  { code: 'xm', name: '厦门', province: '福建省', area: '华东', weight: 2, stores: 6 },
  { code: 'hf', name: '合肥', province: '安徽省', area: '华东', weight: 2, stores: 6 },
  { code: 'fz', name: '福州', province: '福建省', area: '华东', weight: 1.8, stores: 6 },
  { code: 'km', name: '昆明', province: '云南省', area: '西南', weight: 1.8, stores: 6 },
  { code: 'jn', name: '济南', province: '山东省', area: '华东', weight: 1.8, stores: 6 },
  { code: 'sy', name: '沈阳', province: '辽宁省', area: '东北', weight: 1.5, stores: 5 },
  { code: 'fs', name: '佛山', province: '广东省', area: '华南', weight: 1.5, stores: 5 },
];

/** Store ids per city: `store_sh_001` … */
export const storeId = (city: City, n: number) => `store_${city.code}_${String(n + 1).padStart(3, '0')}`;

export type Category = '奶茶' | '果茶' | '咖啡' | '纯茶' | '轻食' | '周边';
export const CATEGORIES: Category[] = ['奶茶', '果茶', '咖啡', '纯茶', '轻食', '周边'];

export interface Product {
  id: string;
  name: string;
  category: Category;
  /** Price in fen (CNY cents). */
  price: number;
  /** Sold only in these months (1-12), e.g. iced watermelon in summer. */
  months?: number[];
  /** Launch, in days after the start of the demo window (a new product, 新品). */
  launchDay?: number;
  /** Menu popularity. */
  weight: number;
}

const SUMMER = [5, 6, 7, 8, 9];
const WINTER = [11, 12, 1, 2];

// Prices in yuan here, converted to fen below so all money arithmetic stays in integers.
const MENU: [string, string, Category, number, number, { months?: number[]; launchDay?: number }?][] = [
  ['SKU1001', '招牌珍珠奶茶', '奶茶', 16, 10],
  ['SKU1002', '黑糖波波鲜奶', '奶茶', 19, 8],
  ['SKU1003', '芋泥波波奶茶', '奶茶', 19, 7],
  ['SKU1004', '茉莉奶绿', '奶茶', 15, 6],
  ['SKU1005', '焦糖布丁奶茶', '奶茶', 18, 5],
  ['SKU1006', '芝士奶盖红茶', '奶茶', 20, 5],
  ['SKU1007', '桂花酒酿奶茶', '奶茶', 20, 4, { months: WINTER }],
  ['SKU1008', '烤黑糖姜撞奶', '奶茶', 21, 3, { months: WINTER }],
  ['SKU2001', '杨枝甘露', '果茶', 22, 9],
  ['SKU2002', '满杯红柚', '果茶', 19, 7],
  ['SKU2003', '多肉葡萄', '果茶', 24, 7],
  ['SKU2004', '霸气橙子', '果茶', 18, 5],
  ['SKU2005', '暴打柠檬茶', '果茶', 15, 8],
  ['SKU2006', '芒芒甘露', '果茶', 22, 5, { months: SUMMER }],
  ['SKU2007', '西瓜啵啵', '果茶', 18, 6, { months: [6, 7, 8] }],
  ['SKU2008', '水蜜桃乌龙', '果茶', 21, 5, { months: [6, 7, 8, 9] }],
  ['SKU2009', '草莓芝芝', '果茶', 26, 5, { months: [12, 1, 2, 3, 4] }],
  ['SKU3001', '美式咖啡', '咖啡', 12, 8],
  ['SKU3002', '经典拿铁', '咖啡', 18, 8],
  ['SKU3003', '生椰拿铁', '咖啡', 19, 9],
  ['SKU3004', '燕麦拿铁', '咖啡', 21, 4],
  ['SKU3005', '厚乳拿铁', '咖啡', 20, 5],
  ['SKU3006', '澳白', '咖啡', 22, 3],
  ['SKU3007', '焦糖玛奇朵', '咖啡', 22, 3],
  ['SKU3008', '冰萃美式', '咖啡', 16, 4, { months: SUMMER }],
  ['SKU4001', '茉莉绿茶', '纯茶', 10, 4],
  ['SKU4002', '四季春', '纯茶', 11, 3],
  ['SKU4003', '冻顶乌龙', '纯茶', 12, 3],
  ['SKU4004', '大红袍', '纯茶', 14, 2],
  ['SKU5001', '重芝士蛋糕', '轻食', 18, 3],
  ['SKU5002', '黄油可颂', '轻食', 12, 4],
  ['SKU5003', '鸡肉牛油果三明治', '轻食', 22, 2],
  ['SKU5004', '全麦贝果', '轻食', 15, 2],
  ['SKU5005', '葡式蛋挞', '轻食', 8, 4],
  ['SKU5006', '抹茶麻薯', '轻食', 10, 3],
  ['SKU6001', '品牌帆布袋', '周边', 49, 0.6],
  ['SKU6002', '不锈钢随行杯', '周边', 89, 0.5],
  ['SKU6003', '冷萃茶包礼盒', '周边', 129, 0.3],
  ['SKU6004', '陶瓷马克杯', '周边', 69, 0.4],
  ['SKU6005', '中秋茶礼盒', '周边', 168, 0.6, { months: [9] }],
  // New products (新品) launched through the window; novelty seekers find them first.
  ['SKU7001', '荔枝冰茶', '果茶', 20, 7, { launchDay: 30, months: SUMMER }],
  ['SKU7002', '桂花拿铁', '咖啡', 22, 6, { launchDay: 110 }],
  ['SKU7003', '热红酒果茶', '果茶', 24, 5, { launchDay: 190, months: WINTER }],
  ['SKU7004', '樱花白桃乌龙', '果茶', 23, 6, { launchDay: 290 }],
  ['SKU7005', '椰青冰美式', '咖啡', 19, 7, { launchDay: 380 }],
  ['SKU7006', '栗子拿铁', '咖啡', 23, 6, { launchDay: 470 }],
];

export const PRODUCTS: Product[] = MENU.map(([id, name, category, yuan, weight, extra]) => ({
  id,
  name,
  category,
  price: yuan * 100,
  weight,
  ...(extra?.months ? { months: extra.months } : {}),
  ...(extra?.launchDay !== undefined ? { launchDay: extra.launchDay } : {}),
}));

/** A coupon template: `threshold`/`off` in fen for 满减, `percent` for 折扣, `nthHalf` for 第二杯半价. */
export interface Coupon {
  code: string;
  name: string;
  threshold?: number;
  off?: number;
  percent?: number;
  secondHalf?: boolean;
}

export const COUPONS: Record<string, Coupon> = {
  NEW10: { code: 'NEW10', name: '新人券 满20减10', threshold: 2000, off: 1000 },
  MDAY88: { code: 'MDAY88', name: '会员日 8.8折', percent: 0.88 },
  'P618-40-8': { code: 'P618-40-8', name: '618 满40减8', threshold: 4000, off: 800 },
  'P1111-50-12': { code: 'P1111-50-12', name: '双11 满50减12', threshold: 5000, off: 1200 },
  'P1212-30-6': { code: 'P1212-30-6', name: '双12 满30减6', threshold: 3000, off: 600 },
  'FEST-30-5': { code: 'FEST-30-5', name: '节日券 满30减5', threshold: 3000, off: 500 },
  'SUMMER-2ND': { code: 'SUMMER-2ND', name: '夏日第二杯半价', secondHalf: true },
  'AUTUMN-1ST': { code: 'AUTUMN-1ST', name: '秋天的第一杯 立减5元', threshold: 0, off: 500 },
  BDAY20: { code: 'BDAY20', name: '生日券 立减20元', threshold: 0, off: 2000 },
  BACK15: { code: 'BACK15', name: '回归礼 满25减15', threshold: 2500, off: 1500 },
  'DAILY-30-3': { code: 'DAILY-30-3', name: '满30减3', threshold: 3000, off: 300 },
};

export type ChannelId = 'miniprogram' | 'app' | 'wecom' | 'official_account' | 'store';

export const CHANNELS: { id: ChannelId; name: string; kind: string }[] = [
  { id: 'miniprogram', name: '茶咖时光点单小程序', kind: 'owned' },
  { id: 'app', name: '茶咖时光 App', kind: 'owned' },
  { id: 'wecom', name: '企业微信（门店导购）', kind: 'social' },
  { id: 'official_account', name: '茶咖时光公众号', kind: 'social' },
  { id: 'store', name: '门店 POS', kind: 'offline' },
];

/** Persona: how a member shops; drives coupon use, basket and new-product appetite, and the preference tags. */
export type Persona = 'price' | 'quality' | 'novelty' | 'casual';

export const TAG_GROUPS = [
  { id: 'tgrp_preference', name: '消费偏好', description: '价格敏感型 / 品质追求型 / 新品尝试型', exclusive: true },
  { id: 'tgrp_taste', name: '口味偏好', description: '最常点的品类', exclusive: false },
  { id: 'tgrp_crowd', name: '人群', description: '按年龄与消费时段推断', exclusive: true },
  { id: 'tgrp_ops', name: '运营标记', description: '导购与客服标注', exclusive: false },
];

export const TAGS = [
  { id: 'tag_price_sensitive', name: '价格敏感型', group: 'tgrp_preference', persona: 'price' },
  { id: 'tag_quality_seeking', name: '品质追求型', group: 'tgrp_preference', persona: 'quality' },
  { id: 'tag_novelty_seeking', name: '新品尝试型', group: 'tgrp_preference', persona: 'novelty' },
  { id: 'tag_milk_tea_lover', name: '奶茶控', group: 'tgrp_taste', category: '奶茶' },
  { id: 'tag_fruit_tea_lover', name: '果茶党', group: 'tgrp_taste', category: '果茶' },
  { id: 'tag_coffee_lover', name: '咖啡续命', group: 'tgrp_taste', category: '咖啡' },
  { id: 'tag_pure_tea_lover', name: '纯茶爱好者', group: 'tgrp_taste', category: '纯茶' },
  { id: 'tag_student', name: '学生党', group: 'tgrp_crowd' },
  { id: 'tag_office_worker', name: '上班族', group: 'tgrp_crowd' },
  { id: 'tag_parent', name: '宝妈宝爸', group: 'tgrp_crowd' },
  { id: 'tag_koc', name: 'KOC', group: 'tgrp_ops' },
  { id: 'tag_complained', name: '有过客诉', group: 'tgrp_ops' },
] as const;

export const REFUND_REASONS = ['饮品做错了', '配送超时', '门店缺料', '口味不满意', '重复下单', '顾客取消'];
