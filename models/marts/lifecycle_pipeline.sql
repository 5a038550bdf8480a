-- Customers and MRR per lifecycle stage now; all seven stages always present.
with stages as (
    select stage, stage_order from {{ ref('lifecycle_stages') }}
),

counts as (
    select lifecycle_stage as stage, count(*) as customers, sum(mrr) as mrr
    from {{ ref('customers') }}
    group by lifecycle_stage
)

select
    stages.stage,
    stages.stage_order,
    coalesce(counts.customers, 0) as customers,
    cast(coalesce(counts.mrr, 0) as decimal(18, 2)) as mrr
from stages
left join counts on counts.stage = stages.stage
order by stages.stage_order
