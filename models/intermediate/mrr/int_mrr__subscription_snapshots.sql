{{ config(materialized='table') }}

-- Each subscription's MRR at each of its customer's snapshot instants, in the
-- subscription's currency (minor units, unrounded). metrics.md, "Subscription
-- MRR at an instant t": the subscription counts only while active or past_due
-- (int_stripe__subscription_mrr_spans, minus status gaps); each licensed item
-- in effect at t contributes its monthly amount; then discounts: percent_off
-- reduces by its percentage, amount_off by its amount spread over the billing
-- interval; MRR never goes below zero.
with instants as (
    select
        instants.customer_id,
        instants.instant_kind,
        instants.month,
        instants.snapshot_at,
        spans.subscription_id,
        spans.currency
    from {{ ref('int_mrr__snapshot_instants') }} as instants
    inner join {{ ref('int_identity__record_customers') }} as records
        on records.customer_id = instants.customer_id and records.record_source = 'stripe'
    inner join {{ ref('int_stripe__subscription_mrr_spans') }} as spans
        on spans.customer_id = records.stripe_customer_id
       and instants.snapshot_at >= spans.mrr_from
       and instants.snapshot_at < spans.mrr_to
    where not exists (
        select 1 from {{ ref('int_stripe__subscription_status_gaps') }} as gaps
        where gaps.subscription_id = spans.subscription_id
          and instants.snapshot_at >= gaps.gap_from
          and instants.snapshot_at < gaps.gap_to
    )
),

item_totals as (
    select
        instants.customer_id,
        instants.instant_kind,
        instants.month,
        instants.snapshot_at,
        instants.subscription_id,
        coalesce(any_value(segments.currency), any_value(instants.currency)) as currency,
        sum(segments.monthly_amount) as list_mrr,
        sum(segments.period_amount) as list_period_amount
    from instants
    inner join {{ ref('int_stripe__subscription_item_segments') }} as segments
        on segments.subscription_id = instants.subscription_id
       and instants.snapshot_at >= segments.valid_from
       and instants.snapshot_at < segments.valid_to
    group by all
),

discounts as (
    select
        totals.subscription_id,
        totals.snapshot_at,
        product(case when spans.percent_off is not null then 1 - spans.percent_off / 100 else 1 end) as percent_factor,
        sum(coalesce(spans.amount_off, 0)) as amount_off_per_period
    from item_totals as totals
    inner join {{ ref('int_stripe__subscription_discount_spans') }} as spans
        on spans.subscription_id = totals.subscription_id
       and totals.snapshot_at >= spans.discount_from
       and totals.snapshot_at < spans.discount_to
    group by totals.subscription_id, totals.snapshot_at
)

select
    totals.customer_id,
    totals.instant_kind,
    totals.month,
    totals.snapshot_at,
    totals.subscription_id,
    totals.currency,
    totals.list_mrr,
    cast(greatest(0,
        totals.list_mrr * coalesce(discounts.percent_factor, 1)
        -- amount_off applies once per billing period: spread it the same way
        -- the list price was (monthly / period).
        - coalesce(discounts.amount_off_per_period, 0)
          * case when totals.list_period_amount > 0 then totals.list_mrr / totals.list_period_amount else 0 end
    ) as decimal(38, 12)) as mrr
from item_totals as totals
left join discounts
    on discounts.subscription_id = totals.subscription_id and discounts.snapshot_at = totals.snapshot_at
