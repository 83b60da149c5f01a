// Text forms of an evaluation report: the table `siyu recommend evaluate` prints and the README carries.
import type { EvaluationReport } from '../../core/models/recommend/index.ts';

const f = (n: number) => n.toFixed(4);

/**
 * A Markdown table with one row per algorithm plus the lift of the best one over popularity.
 * @example evaluationTable(report) // "| algorithm | precision@10 | …"
 */
export function evaluationTable(r: EvaluationReport): string {
  const k = r.k;
  const lines = [
    `time split at ${r.split_at.slice(0, 10)}: ${r.train_members} members and ${r.catalogue} products in training (${r.train_interactions} member-product pairs), ` +
      `${r.test_members} members bought ${r.exclude_bought ? 'new products ' : ''}after the split`,
    '',
    `| algorithm | precision@${k} | recall@${k} | NDCG@${k} | hit rate@${k} | coverage | train ms |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.results.map((x) => `| ${x.algorithm} | ${f(x.precision)} | ${f(x.recall)} | ${f(x.ndcg)} | ${f(x.hit_rate)} | ${f(x.coverage)} | ${x.train_ms} |`),
  ];
  const pop = r.results.find((x) => x.algorithm === 'popularity');
  const best = r.results.filter((x) => x.algorithm !== 'popularity').sort((a, b) => b.ndcg - a.ndcg)[0];
  if (pop && best && pop.recall > 0 && pop.ndcg > 0) {
    lines.push('', `best: ${best.algorithm}, recall@${k} ${liftText(best.recall, pop.recall)} and NDCG@${k} ${liftText(best.ndcg, pop.ndcg)} vs popularity`);
  }
  return lines.join('\n') + '\n';
}

const liftText = (a: number, b: number) => `${a >= b ? '+' : ''}${((a / b - 1) * 100).toFixed(1)}%`;
