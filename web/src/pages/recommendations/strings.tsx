// Strings of the recommendation views (推荐), 中文 first with English; `useRt()` follows the console's language.
import { useCallback } from 'react';
import { useI18n } from '../../i18n';

const zh = {
  'menu': '商品推荐',
  'title': '商品推荐',
  'card': '推荐商品',
  'card.empty': '暂无推荐（尚未训练或没有购买记录）',
  'algorithm': '算法',
  'algorithm.als': '隐式矩阵分解（ALS）',
  'algorithm.item_cf': '物品协同过滤',
  'algorithm.popularity': '热销',
  'algorithm.trending': '近期热销',
  'algorithm.evaluation': '离线评估',
  'reason.similar_members': '相似会员也买',
  'reason.bought_together': '常一起购买',
  'reason.trending': '近期热销',
  'reason.popular': '热销',
  'fallback': '补充',
  'product': '商品',
  'category': '品类',
  'score': '得分',
  'alsoBought': '买了该商品的会员还买了',
  'bothBought': '{n} 人同时购买',
  'models': '训练记录',
  'train': '立即训练',
  'trained': '训练完成：{n} 个模型',
  'trainedAt': '训练时间',
  'duration': '耗时',
  'members': '会员数',
  'items': '商品数',
  'interactions': '购买对',
  'params': '参数',
  'evaluation': '离线评估',
  'evaluate': '评估',
  'splitDate': '切分日期',
  'evaluationHint': '按时间切分：切分日期之前训练，之后检验；只统计两段都有购买的会员，只计新买的商品。',
  'metric.precision': '精确率@k',
  'metric.recall': '召回率@k',
  'metric.ndcg': 'NDCG@k',
  'metric.hit_rate': '命中率@k',
  'metric.coverage': '商品覆盖率',
  'noModels': '尚未训练。训练后每晚 03:30 自动重新训练。',
} as const;

type Key = keyof typeof zh;

const en: Record<Key, string> = {
  'menu': 'Recommendations',
  'title': 'Recommendations',
  'card': 'Recommended products',
  'card.empty': 'No recommendations (not trained yet, or no purchases)',
  'algorithm': 'Algorithm',
  'algorithm.als': 'Implicit matrix factorisation (ALS)',
  'algorithm.item_cf': 'Item-based collaborative filtering',
  'algorithm.popularity': 'Popular',
  'algorithm.trending': 'Trending',
  'algorithm.evaluation': 'Offline evaluation',
  'reason.similar_members': 'Similar members bought it',
  'reason.bought_together': 'Often bought together',
  'reason.trending': 'Trending',
  'reason.popular': 'Popular',
  'fallback': 'fallback',
  'product': 'Product',
  'category': 'Category',
  'score': 'Score',
  'alsoBought': 'Members who bought this also bought',
  'bothBought': '{n} bought both',
  'models': 'Training runs',
  'train': 'Train now',
  'trained': 'Trained: {n} models',
  'trainedAt': 'Trained at',
  'duration': 'Duration',
  'members': 'Members',
  'items': 'Products',
  'interactions': 'Pairs',
  'params': 'Parameters',
  'evaluation': 'Offline evaluation',
  'evaluate': 'Evaluate',
  'splitDate': 'Split date',
  'evaluationHint': 'Time split: train before the date, test after it; only members who bought on both sides, new products only.',
  'metric.precision': 'Precision@k',
  'metric.recall': 'Recall@k',
  'metric.ndcg': 'NDCG@k',
  'metric.hit_rate': 'Hit rate@k',
  'metric.coverage': 'Catalogue coverage',
  'noModels': 'Not trained yet. After the first training it retrains nightly at 03:30.',
};

export type RecommendKey = Key;

/** The recommendation views' translator: `rt('train')`, with `{n}` placeholders filled from `vars`. */
export function useRt() {
  const { lang } = useI18n();
  return useCallback(
    (k: Key | string, vars?: Record<string, string | number>) => {
      let s: string = (lang === 'en' ? en : zh)[k as Key] ?? k;
      if (vars) for (const [n, v] of Object.entries(vars)) s = s.replace(`{${n}}`, String(v));
      return s;
    },
    [lang],
  );
}

/** The menu entry's label (the menu is built from the shared dictionary; this one lives here). */
export function RecommendationsMenuLabel() {
  return <>{useRt()('menu')}</>;
}
