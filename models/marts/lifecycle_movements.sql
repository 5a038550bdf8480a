-- How many customers moved from one lifecycle stage to another in each month
-- (stage at the end of the previous month -> stage at the end of this month;
-- a customer's first month comes from 'prospect').
with stages as (
    select
        customer_id,
        month,
        lifecycle_stage as to_stage,
        coalesce(lag(lifecycle_stage) over (partition by customer_id order by month), 'prospect') as from_stage
    from {{ ref('int_lifecycle__customer_monthly_stages') }}
)

select
    month,
    from_stage,
    to_stage,
    count(*) as customers
from stages
where from_stage <> to_stage
group by month, from_stage, to_stage
