// Our own strings in 中文 (default) and English; antd's own strings come from its locale packs (ConfigProvider).
// The choice is kept in localStorage ('siyu.lang'). Each area's strings live beside its pages (…strings.ts) and are
// merged here into one dictionary per language.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { shellEn, shellZh } from './app-strings';
import { dashboardEn, dashboardZh } from './pages/dashboard-strings';
import { membersEn, membersZh } from './pages/member360/strings';
import { segmentsEn, segmentsZh } from './pages/segments/strings';
import { builderEn, builderZh } from './segments/builder-strings';
import { couponsEn, couponsZh } from './pages/loyalty/coupon-strings';
import { loyaltyEn, loyaltyZh } from './pages/loyalty/strings';
import { engagementEn, engagementZh } from './pages/engagement/strings';
import { analyticsEn, analyticsZh } from './pages/analytics/strings';
import { communityEn, communityZh } from './pages/community/strings';
import { settingsEn, settingsZh } from './pages/settings/strings';
import { privacyEn, privacyZh } from './pages/settings/privacy-strings';
import { accessEn, accessZh } from './pages/settings/access-strings';
import { loyaltyFormEn, loyaltyFormZh } from './pages/loyalty/program-strings';
import { ruleBuilderEn, ruleBuilderZh } from './segments/strings';

export type Lang = 'zh' | 'en';

const zh = {
  ...shellZh,
  ...dashboardZh,
  ...membersZh,
  ...segmentsZh,
  ...builderZh,
  ...couponsZh,
  ...loyaltyZh,
  ...engagementZh,
  ...analyticsZh,
  ...communityZh,
  ...settingsZh,
  ...privacyZh,
  ...loyaltyFormZh,
  ...ruleBuilderZh,
  ...accessZh,
};

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  ...shellEn,
  ...dashboardEn,
  ...membersEn,
  ...segmentsEn,
  ...builderEn,
  ...couponsEn,
  ...loyaltyEn,
  ...engagementEn,
  ...analyticsEn,
  ...communityEn,
  ...settingsEn,
  ...privacyEn,
  ...loyaltyFormEn,
  ...ruleBuilderEn,
  ...accessEn,
};

export const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { zh, en };

interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t(key: MessageKey): string;
  /** Formats numbers in the current language (zh-CN / en-US). */
  num(n: number | null | undefined, opts?: Intl.NumberFormatOptions): string;
  /** A local date-time for display. */
  dt(iso: string | null | undefined): string;
}

const Ctx = createContext<I18n | null>(null);

function initialLang(): Lang {
  const saved = localStorage.getItem('siyu.lang');
  return saved === 'en' || saved === 'zh' ? saved : 'zh';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const value = useMemo<I18n>(() => {
    const dict = DICTIONARIES[lang];
    const locale = lang === 'zh' ? 'zh-CN' : 'en-US';
    dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
    document.documentElement.lang = locale;
    return {
      lang,
      setLang(l) {
        localStorage.setItem('siyu.lang', l);
        setLangState(l);
      },
      t: (key) => dict[key] ?? key,
      num: (n, opts) => (n === null || n === undefined || Number.isNaN(n) ? '—' : new Intl.NumberFormat(locale, opts).format(n)),
      dt: (iso) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '—'),
    };
  }, [lang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

/**
 * A translator hook for an area whose strings stay out of the shared dictionary (alerts, journeys): the string in the
 * console's language with `{name}` placeholders filled from `vars`, the key itself when a string is missing.
 * @example export const useAt = areaTranslator(zh, en); const at = useAt(); at('state.open')
 */
export function areaTranslator<K extends string>(zh: Record<K, string>, en: Record<K, string>) {
  return function useAreaTranslator() {
    const { lang } = useI18n();
    return useCallback(
      (k: K, vars?: Record<string, string | number>) => {
        let s = (lang === 'en' ? en : zh)[k] ?? k;
        if (vars) for (const [n, v] of Object.entries(vars)) s = s.replace(`{${n}}`, String(v));
        return s;
      },
      [lang],
    );
  };
}
