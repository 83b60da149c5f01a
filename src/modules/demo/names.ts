// Fake but plausible Chinese personal data: names, phone numbers, WeChat/WeCom ids, email addresses.
import { cumulative, type Prng } from './prng.ts';

// The hundred most common surnames, roughly by frequency (王李张刘陈 cover about a third of people).
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const SURNAME_CUM = cumulative(Array.from(SURNAMES, (_, i) => 1 / (i + 6)));
const FEMALE = '婷雪静丽敏燕艳娟霞芳玲颖琳欣怡佳雅晨悦涵思梦萱瑶诗雨彤琪可馨媛洁倩蕾楠萌月妍菲薇嘉宁安若';
const MALE = '伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳博文轩昊然泽睿哲航铭远';

/** A Chinese full name: surname plus one or two given-name characters fitting the gender. */
export function chineseName(r: Prng, gender: 'female' | 'male' | 'unknown'): string {
  const surname = SURNAMES[r.pickCumulative(SURNAME_CUM)];
  const pool = gender === 'male' ? MALE : gender === 'female' ? FEMALE : r.chance(0.5) ? MALE : FEMALE;
  const given = r.chance(0.72) ? pool[r.int(pool.length)] + pool[r.int(pool.length)] : pool[r.int(pool.length)];
  return surname + given;
}

// Mainland mobile prefixes of the three carriers (and MVNO-free virtual ranges left out).
const PHONE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158', '159', '166', '176', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '191', '195', '198', '199'];

/**
 * A well-formed 11-digit mobile number, unique per `index`: the 8 trailing digits are a bijection of the index
 * (multiplying by a number coprime to 10^8), so no two members share a phone whatever the prefix.
 */
export function mobilePhone(r: Prng, index: number): string {
  const tail = (index * 48_271 + 10_007_353) % 100_000_000;
  return r.pick(PHONE_PREFIXES) + String(tail).padStart(8, '0');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A WeChat unionid (28 chars starting with `o`), unique thanks to the encoded index. */
export function unionId(r: Prng, index: number): string {
  return 'o' + r.chars(B64, 6) + index.toString(36).padStart(6, '0') + r.chars(B64, 15);
}

/** A per-app openid (28 chars starting with `o`). */
export function openId(r: Prng, index: number): string {
  return 'o' + r.chars(B64, 5) + index.toString(36).padStart(6, '0') + r.chars(B64, 16);
}

/** A WeCom external_userid (`wm` + 30 chars). */
export function wecomExternalUserId(r: Prng, index: number): string {
  return 'wm' + r.chars(ALNUM, 12) + index.toString(36).padStart(6, '0') + r.chars(ALNUM, 12);
}

const HEX = '0123456789abcdef';

/** A device id in UUID form, unique per index. */
export function deviceId(r: Prng, index: number): string {
  const idx = index.toString(16).padStart(8, '0');
  return `${idx}-${r.chars(HEX, 4)}-4${r.chars(HEX, 3)}-${HEX[8 + r.int(4)]}${r.chars(HEX, 3)}-${r.chars(HEX, 12)}`;
}

const MAIL_DOMAINS = ['qq.com', 'qq.com', 'qq.com', '163.com', '126.com', 'foxmail.com', 'gmail.com', 'outlook.com'];

/** An email address; QQ mail uses the numeric QQ number as most people do. */
export function email(r: Prng, index: number): string {
  const domain = r.pick(MAIL_DOMAINS);
  const local = domain === 'qq.com' ? String(100_000_000 + index * 7 + r.int(7)) : `user${index.toString(36)}${r.chars('abcdefghijkmnpqrstuvwxyz', 3)}`;
  return `${local}@${domain}`;
}
