{{ config(materialized='table') }}

-- Which licensed price and quantity each subscription item had over time, as
-- non-overlapping [valid_from, valid_to) segments, with the item's MRR
-- contribution in the price's currency (minor units, before discounts):
--   unit_amount x quantity (tiered: the volume tier the quantity falls in, or
--   the sum over graduated tiers, flat amounts included), normalized to a month:
--   month / interval_count; year / (12 x interval_count);
--   week x 52 / 12 / interval_count; day x 365 / 12 / interval_count.
-- Metered and one-time prices are never MRR and are left out here.
with winning_facts as (
    select *
    from {{ ref('int_stripe__subscription_item_facts') }}
    qualify row_number() over (
        partition by subscription_id, item_key, effective_at
        order by precedence desc, price_id, quantity
    ) = 1
),

sequenced as (
    select
        *,
        lead(effective_at) over (partition by subscription_id, item_key order by effective_at) as next_effective_at
    from winning_facts
),

segments as (
    select
        subscription_id,
        item_key,
        price_id,
        coalesce(quantity, 1) as quantity,
        effective_at as valid_from,
        least(coalesce(ends_at, 'infinity'::timestamptz), coalesce(next_effective_at, 'infinity'::timestamptz)) as valid_to,
        fact_kind
    from sequenced
    where fact_kind not in ('proration_off', 'event_off', 'replaced')
),

priced as (
    select
        segments.*,
        prices.currency,
        prices.product_id,
        prices.billing_scheme,
        prices.tiers_mode,
        prices.tiers,
        prices.unit_amount,
        prices.recurring_interval,
        prices.recurring_interval_count,
        -- transform_quantity bills quantity / divide_by, rounded as the price says.
        case
            when prices.transform_divide_by is null or prices.transform_divide_by = 0 then segments.quantity
            when prices.transform_round = 'down' then floor(segments.quantity / prices.transform_divide_by)
            else ceil(segments.quantity / prices.transform_divide_by)
        end as billed_units
    from segments
    inner join {{ ref('stg_stripe__prices') }} as prices on prices.price_id = segments.price_id
    where prices.recurring_interval is not null
      and coalesce(prices.usage_type, 'licensed') = 'licensed'
      and segments.valid_from < segments.valid_to
),

amounts as (
    select
        *,
        cast(case
            when billing_scheme = 'tiered' and tiers_mode = 'volume' then (
                list_transform(
                    list_filter(tiers, tier -> tier.up_to is null or tier.up_to >= billed_units),
                    tier -> coalesce(try_cast(tier.unit_amount_decimal as decimal(38, 12)), tier.unit_amount, 0) * billed_units
                        + coalesce(try_cast(tier.flat_amount_decimal as decimal(38, 12)), tier.flat_amount, 0)
                )[1]
            )
            when billing_scheme = 'tiered' and tiers_mode = 'graduated' then list_sum(
                list_transform(tiers, (tier, i) ->
                    greatest(0, least(billed_units, coalesce(tier.up_to, billed_units)) - coalesce(tiers[i - 1].up_to, 0))
                        * coalesce(try_cast(tier.unit_amount_decimal as decimal(38, 12)), tier.unit_amount, 0)
                    + case
                        when billed_units > coalesce(tiers[i - 1].up_to, 0)
                            then coalesce(try_cast(tier.flat_amount_decimal as decimal(38, 12)), tier.flat_amount, 0)
                        else 0
                      end
                )
            )
            else coalesce(unit_amount, 0) * billed_units
        end as decimal(38, 12)) as period_amount
    from priced
)

select
    subscription_id,
    item_key,
    price_id,
    product_id,
    quantity,
    currency,
    recurring_interval,
    recurring_interval_count,
    valid_from,
    valid_to,
    fact_kind,
    period_amount,
    cast(case recurring_interval
        when 'month' then period_amount / recurring_interval_count
        when 'year' then period_amount / (12 * recurring_interval_count)
        when 'week' then period_amount * 52 / 12 / recurring_interval_count
        when 'day' then period_amount * 365 / 12 / recurring_interval_count
    end as decimal(38, 12)) as monthly_amount
from amounts
