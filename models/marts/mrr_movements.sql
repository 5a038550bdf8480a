-- One row per customer per month with an MRR movement. Both snapshots are
-- converted at month M's rates, so a movement is never a currency effect
-- (those are mrr_monthly.fx_impact). metrics.md:
--   new           mrr(M-1) = 0 < mrr(M), no MRR in any earlier month
--   reactivation  mrr(M-1) = 0 < mrr(M), MRR in an earlier month
--   expansion     0 < mrr(M-1) < mrr(M)
--   contraction   0 < mrr(M) < mrr(M-1)
--   churn         mrr(M-1) > 0 = mrr(M)
with monthly as (
    select
        customer_id,
        month,
        mrr,
        previous_mrr_at_month_rates as previous_mrr,
        had_mrr_before
    from {{ ref('int_mrr__customer_monthly') }}
),

classified as (
    select
        customer_id,
        month,
        case
            when previous_mrr = 0 and mrr > 0 and not had_mrr_before then 'new'
            when previous_mrr = 0 and mrr > 0 and had_mrr_before then 'reactivation'
            when previous_mrr > 0 and mrr > previous_mrr then 'expansion'
            when mrr > 0 and mrr < previous_mrr then 'contraction'
            when previous_mrr > 0 and mrr = 0 then 'churn'
        end as movement,
        mrr - previous_mrr as amount
    from monthly
)

select
    customer_id,
    month,
    movement,
    cast(amount as decimal(18, 2)) as amount
from classified
where movement is not null
