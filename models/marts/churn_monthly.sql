-- Churn rates per month (metrics.md). Rates are NULL, not 0 or infinity, when
-- their denominator is 0. Cancelling one of two subscriptions is contraction,
-- not churn: only a customer whose MRR reaches 0 counts as churned.
with customer_months as (
    select * from {{ ref('int_mrr__customer_monthly') }}
),

starts as (
    select month, count(*) filter (where previous_mrr > 0) as customers_at_start
    from customer_months
    group by month
),

churned as (
    select month, count(*) as churned_customers
    from {{ ref('mrr_movements') }}
    where movement = 'churn'
    group by month
),

monthly as (
    select
        mrr.month,
        coalesce(starts.customers_at_start, 0) as customers_at_start,
        coalesce(churned.churned_customers, 0) as churned_customers,
        coalesce(lag(mrr.mrr) over (order by mrr.month), 0) as mrr_at_start,
        mrr.churned_mrr,
        mrr.contraction_mrr,
        mrr.expansion_mrr,
        mrr.reactivation_mrr
    from {{ ref('mrr_monthly') }} as mrr
    left join starts on starts.month = mrr.month
    left join churned on churned.month = mrr.month
)

select
    month,
    customers_at_start,
    churned_customers,
    case when customers_at_start > 0 then cast(churned_customers / customers_at_start as decimal(12, 6)) end as logo_churn_rate,
    cast(mrr_at_start as decimal(18, 2)) as mrr_at_start,
    case when mrr_at_start > 0 then cast(-(churned_mrr + contraction_mrr) / mrr_at_start as decimal(12, 6)) end as gross_mrr_churn_rate,
    case when mrr_at_start > 0 then cast(-(churned_mrr + contraction_mrr + expansion_mrr + reactivation_mrr) / mrr_at_start as decimal(12, 6)) end as net_mrr_churn_rate
from monthly
