// The small bilingual (zh-CN / English) pages an unsubscribe link shows: confirm, done, and invalid link. No
// scripts, no external assets; the confirm step is a POST so mail scanners that prefetch links revoke nothing.
import type { ConsentChannel, Purpose } from './schema.ts';

const CHANNEL_NAMES: Record<ConsentChannel, [string, string]> = {
  sms: ['短信', 'SMS'],
  email: ['邮件', 'email'],
  wecom: ['企业微信', 'WeCom'],
  wechat_oa: ['公众号消息', 'WeChat official account messages'],
  miniprogram: ['小程序订阅消息', 'mini-program messages'],
  app_push: ['App 推送', 'app notifications'],
  webhook: ['消息', 'messages'],
  all: ['所有渠道', 'all channels'],
};

const PURPOSE_NAMES: Record<Purpose, [string, string]> = {
  marketing: ['营销消息', 'marketing messages'],
  service: ['服务通知', 'service notifications'],
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title>
<style>body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.6}
h1{font-size:1.3rem}p.en{color:#666;font-size:.95rem}button{font-size:1rem;padding:.6rem 1.4rem;border:0;border-radius:.4rem;background:#c0392b;color:#fff;cursor:pointer}</style>
</head><body>${body}</body></html>`;
}

/** What the link stops, in both languages. */
function what(channel: ConsentChannel, purpose: Purpose): [string, string] {
  const [cz, ce] = CHANNEL_NAMES[channel];
  const [pz, pe] = PURPOSE_NAMES[purpose];
  return [`${cz}${pz}`, `${pe} by ${ce}`];
}

/** The confirmation page: one button that POSTs back to the same URL. */
export function confirmPage(channel: ConsentChannel, purpose: Purpose, action: string): string {
  const [zh, en] = what(channel, purpose);
  return page('退订 / Unsubscribe', `<h1>退订${esc(zh)}</h1><p>确认后，我们将不再向您发送${esc(zh)}。</p>
<p class="en">Unsubscribe from ${esc(en)}? After you confirm, we will stop sending them.</p>
<form method="post" action="${esc(action)}"><input type="hidden" name="confirm" value="1"><button type="submit">确认退订 / Unsubscribe</button></form>`);
}

/** Shown after the revocation is recorded. */
export function donePage(channel: ConsentChannel, purpose: Purpose): string {
  const [zh, en] = what(channel, purpose);
  return page('已退订 / Unsubscribed', `<h1>您已成功退订${esc(zh)}</h1><p>如需重新订阅，请联系客服或在会员中心修改。</p>
<p class="en">You have been unsubscribed from ${esc(en)}. To subscribe again, contact us or change it in your member center.</p>`);
}

/** Shown for a malformed, forged or foreign link. */
export function invalidPage(): string {
  return page('链接无效 / Invalid link', `<h1>退订链接无效</h1><p>该链接已损坏或不完整，请使用消息中的完整链接。</p>
<p class="en">This unsubscribe link is invalid or incomplete. Please use the full link from the message.</p>`);
}
