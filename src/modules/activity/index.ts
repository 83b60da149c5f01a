// Member activity facts kept at write time (event months, order months, purchase facts) for cohorts and CLV.
export { recordEventMonths, moveEventMonths, rebuildEventMonths, type EventStamp } from './event-months.ts';
export { recomputeOrderFacts, recomputeOrderFactsAll, orderFactsCover } from './order-facts.ts';
export { LocalMonths, splitMonth, type MonthIndex } from './month-index.ts';
