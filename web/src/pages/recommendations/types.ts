// Response shapes of the recommendations API as the console reads them.
export interface RecommendedItem {
  product_id: string;
  name: string | null;
  category: string | null;
  score: number;
  rank: number;
  algorithm: string;
  reason: string;
  fallback: boolean;
}

export interface MemberRecommendations {
  member_id: string;
  algorithm: string;
  model_id: string | null;
  trained_at: string | null;
  items: RecommendedItem[];
}

export interface AlsoBought {
  product_id: string;
  name: string | null;
  buyers: number;
  items: Array<{ product_id: string; name: string | null; category: string | null; score: number; rank: number; buyers_both: number }>;
}

export interface ModelRun {
  id: string;
  algorithm: string;
  params: Record<string, unknown>;
  status: string;
  trained_at: string;
  duration_ms: number | null;
  members: number;
  items: number;
  interactions: number;
  metrics: Record<string, unknown> | null;
}

export interface EvaluationResult {
  algorithm: string;
  precision: number;
  recall: number;
  ndcg: number;
  hit_rate: number;
  coverage: number;
  train_ms: number;
}

export interface EvaluationReport {
  split_at: string;
  k: number;
  test_members: number;
  train_members: number;
  catalogue: number;
  results: EvaluationResult[];
}
