import { defineCheck } from '../../engine/check.js';

const money = (v: number, currency: string) => `${v.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${currency}`;

/** Cost optimization analysis: the configured cost items (capacity.costs) against their budgets, with totals per currency. */
export default defineCheck({
  id: 'capacity.costs',
  title: 'Cost items within budget (capacity.costs)',
  requires: [],
  unit: 'count',
  // A budget is the limit its owner set: one item over it fails the line
  thresholds: { fail: '> 0', source: 'capacity.costs[].budget (the budget each item\'s owner set)' },
  async run({ config }) {
    const items = config.capacity?.costs;
    if (!items?.length) return { status: 'skip', message: 'no cost items configured: list them in capacity.costs[] (name, monthly, currency, owner, budget)' };
    const over = items.filter((i) => i.budget !== undefined && i.monthly > i.budget);
    const currencies = [...new Set(items.map((i) => i.currency))];
    const totals = currencies.map((c) => {
      const mine = items.filter((i) => i.currency === c);
      const budgeted = mine.filter((i) => i.budget !== undefined);
      const sum = (f: (i: (typeof mine)[number]) => number) => mine.reduce((a, i) => a + f(i), 0);
      return `${money(sum((i) => i.monthly), c)} a month${budgeted.length ? ` (budget ${money(budgeted.reduce((a, i) => a + i.budget!, 0), c)} for ${budgeted.length} of ${mine.length} items)` : ''}`;
    });
    const details = [...items]
      .sort((a, b) => (b.budget !== undefined ? b.monthly / b.budget : 0) - (a.budget !== undefined ? a.monthly / a.budget : 0))
      .map((i) => `${i.name}${i.owner ? ` (${i.owner})` : ''}: ${money(i.monthly, i.currency)}${i.budget === undefined ? ', no budget set'
        : `, ${Math.round((i.monthly / i.budget) * 100)}% of its budget ${money(i.budget, i.currency)}${i.monthly > i.budget ? ` — OVER by ${money(i.monthly - i.budget, i.currency)}` : ''}`}`);
    const message = `${items.length} cost items, ${totals.join('; ')}${over.length ? `; over budget: ${over.map((i) => i.name).join(', ')}` : ''}`;
    return { value: over.length, message, details };
  },
});
