import type { Price } from './model.js';

/** What `quantity` units of a price cost for one period: per-unit, or tiered by volume or graduated, flat amounts included. */
export function amountFor(price: Price, quantity: number): number {
  if (!price.tiers) return (price.unitAmount ?? 0) * quantity;
  if (price.tiersMode === 'volume') {
    const tier = price.tiers.find((t) => t.upTo === null || quantity <= t.upTo) ?? price.tiers[price.tiers.length - 1]!;
    return tier.unitAmount * quantity + (quantity > 0 ? tier.flatAmount : 0);
  }
  let total = 0;
  let below = 0;
  for (const tier of price.tiers) {
    if (quantity <= below) break;
    const ceiling = tier.upTo === null ? quantity : Math.min(quantity, tier.upTo);
    const units = ceiling - below;
    if (units > 0) total += units * tier.unitAmount + tier.flatAmount;
    below = tier.upTo ?? quantity;
  }
  return total;
}

export function isMetered(price: Price): boolean {
  return price.recurring?.usageType === 'metered';
}
