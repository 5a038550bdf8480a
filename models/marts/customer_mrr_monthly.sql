-- One row per customer and month, from the customer's first month with MRR
-- through the current month.
with monthly as (
    select * from {{ ref('int_mrr__customer_monthly') }}
),

first_paying_month as (
    select customer_id, min(month) as first_month
    from monthly
    where mrr > 0
    group by customer_id
)

select
    monthly.customer_id,
    monthly.month,
    monthly.mrr
from monthly
inner join first_paying_month
    on first_paying_month.customer_id = monthly.customer_id
   and monthly.month >= first_paying_month.first_month
