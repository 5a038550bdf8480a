-- Retention by cohort: customers grouped by their first month with MRR, and
-- for each later month how many still pay and how much MRR they bring
-- (rates relative to the cohort's first month).
with customer_months as (
    select customer_id, month, mrr from {{ ref('customer_mrr_monthly') }}
),

cohorts as (
    select customer_id, min(month) as cohort_month
    from customer_months
    where mrr > 0
    group by customer_id
),

cohort_sizes as (
    select cohorts.cohort_month, count(*) as cohort_customers, sum(customer_months.mrr) as cohort_starting_mrr
    from cohorts
    inner join customer_months on customer_months.customer_id = cohorts.customer_id and customer_months.month = cohorts.cohort_month
    group by cohorts.cohort_month
),

retained as (
    select
        cohorts.cohort_month,
        date_diff('month', cohorts.cohort_month, customer_months.month) as months_since_first_paid,
        count(*) filter (where customer_months.mrr > 0) as retained_customers,
        sum(customer_months.mrr) as retained_mrr
    from cohorts
    inner join customer_months on customer_months.customer_id = cohorts.customer_id and customer_months.month >= cohorts.cohort_month
    group by all
)

select
    retained.cohort_month,
    retained.months_since_first_paid,
    cohort_sizes.cohort_customers,
    retained.retained_customers,
    cast(retained.retained_mrr as decimal(18, 2)) as retained_mrr,
    cast(retained.retained_customers / cohort_sizes.cohort_customers as decimal(12, 6)) as customer_retention_rate,
    case when cohort_sizes.cohort_starting_mrr > 0
        then cast(retained.retained_mrr / cohort_sizes.cohort_starting_mrr as decimal(12, 6))
    end as mrr_retention_rate
from retained
inner join cohort_sizes on cohort_sizes.cohort_month = retained.cohort_month
