-- Customer MRR summed per month equals mrr_monthly.mrr.
with customer_totals as (
    select month, sum(mrr) as mrr from {{ ref('customer_mrr_monthly') }} group by month
)

select monthly.month, monthly.mrr as mrr_monthly, coalesce(customer_totals.mrr, 0) as sum_of_customers
from {{ ref('mrr_monthly') }} as monthly
left join customer_totals on customer_totals.month = monthly.month
where monthly.mrr <> coalesce(customer_totals.mrr, 0)
