// Recommendations in segment rules (the recommendations module's member_recommendations and its catalogue snapshot):
// "likely to buy category X" = a product of the category is within the first N of the member's stored list.
import type { RecommendedRule } from '../schema.ts';
import { inSet, type Condition, type SqlBuilder } from '../sql-builder.ts';

/**
 * `recommended`: members whose stored list of `algorithm` (default als) holds a product of `category` at a rank
 * ≤ `rank_at_most` (default 10). Members without a list (never trained, no purchases) do not match.
 */
export function recommendedPredicate(b: SqlBuilder, node: RecommendedRule['recommended']): Condition {
  const categories = typeof node.category === 'string' ? [node.category] : node.category;
  return inSet(
    `SELECT r.member_id FROM member_recommendations r
     JOIN recommendation_items i ON i.workspace_id = r.workspace_id AND i.product_id = r.product_id
     WHERE r.workspace_id = ${b.ws} AND r.algorithm = ${b.bind(node.algorithm ?? 'als', 'text')}
       AND r.rank <= ${b.bind(node.rank_at_most ?? 10, 'integer')} AND i.category IN (${b.bindList(categories, 'text')})${b.scope('r.member_id')}`,
    false,
  );
}
