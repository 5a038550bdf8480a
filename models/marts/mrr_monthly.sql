-- One row per month, from the first month with MRR through the current month,
-- with no gaps. The bridge holds to the cent (a data test):
--   mrr - previous month's mrr = new + reactivation + expansion + contraction + churn + fx_impact
-- net_new_mrr is the sum of the five movements; fx_impact is what exchange
-- rates alone changed in the MRR carried over from the previous month.
with customer_months as (
    select * from {{ ref('int_mrr__customer_monthly') }}
),

first_month as (
    select min(month) as month from customer_months where mrr > 0
),

calendar as (
    select months.month
    from {{ ref('int_calendar__months') }} as months
    cross join first_month
    where months.month >= first_month.month
),

totals as (
    select
        month,
        sum(mrr) as mrr,
        count(*) filter (where mrr > 0) as paying_customers,
        sum(previous_mrr_at_month_rates - previous_mrr) as fx_impact
    from customer_months
    group by month
),

movements as (
    select
        month,
        sum(amount) filter (where movement = 'new') as new_mrr,
        sum(amount) filter (where movement = 'reactivation') as reactivation_mrr,
        sum(amount) filter (where movement = 'expansion') as expansion_mrr,
        sum(amount) filter (where movement = 'contraction') as contraction_mrr,
        sum(amount) filter (where movement = 'churn') as churned_mrr
    from {{ ref('mrr_movements') }}
    group by month
),

combined as (
    select
        calendar.month,
        coalesce(totals.mrr, 0) as mrr,
        coalesce(totals.paying_customers, 0) as paying_customers,
        coalesce(movements.new_mrr, 0) as new_mrr,
        coalesce(movements.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movements.expansion_mrr, 0) as expansion_mrr,
        coalesce(movements.contraction_mrr, 0) as contraction_mrr,
        coalesce(movements.churned_mrr, 0) as churned_mrr,
        coalesce(totals.fx_impact, 0) as fx_impact
    from calendar
    left join totals on totals.month = calendar.month
    left join movements on movements.month = calendar.month
)

select
    month,
    cast(mrr as decimal(18, 2)) as mrr,
    cast(mrr * 12 as decimal(18, 2)) as arr,
    paying_customers,
    cast(new_mrr as decimal(18, 2)) as new_mrr,
    cast(reactivation_mrr as decimal(18, 2)) as reactivation_mrr,
    cast(expansion_mrr as decimal(18, 2)) as expansion_mrr,
    cast(contraction_mrr as decimal(18, 2)) as contraction_mrr,
    cast(churned_mrr as decimal(18, 2)) as churned_mrr,
    cast(fx_impact as decimal(18, 2)) as fx_impact,
    cast(new_mrr + reactivation_mrr + expansion_mrr + contraction_mrr + churned_mrr as decimal(18, 2)) as net_new_mrr,
    -- (new + reactivation + expansion) / (contraction + churn lost); NULL when nothing was lost.
    case
        when contraction_mrr + churned_mrr < 0
            then round((new_mrr + reactivation_mrr + expansion_mrr) / -(contraction_mrr + churned_mrr), 4)
    end as quick_ratio
from combined
