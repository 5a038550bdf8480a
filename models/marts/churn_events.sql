-- One row per customer churn (a churn movement): when the customer's last
-- counting subscription stopped, the MRR lost, and why (the cancellation
-- feedback or reason Stripe recorded, 'unpaid' when dunning gave up).
with churns as (
    select customer_id, month, -amount as lost_mrr
    from {{ ref('mrr_movements') }}
    where movement = 'churn'
),

stops as (
    select
        records.customer_id,
        date_trunc('month', timezone('{{ var("timezone") }}', spans.mrr_to))::date as month,
        spans.mrr_to as stopped_at,
        case
            when subscriptions.status = 'unpaid' then 'unpaid'
            else coalesce(subscriptions.cancellation_feedback, subscriptions.cancellation_reason, subscriptions.status)
        end as reason
    from {{ ref('int_stripe__subscription_mrr_spans') }} as spans
    inner join {{ ref('int_identity__record_customers') }} as records on records.stripe_customer_id = spans.customer_id
    inner join {{ ref('stg_stripe__subscriptions') }} as subscriptions on subscriptions.subscription_id = spans.subscription_id
    where spans.mrr_to < 'infinity'::timestamptz
),

latest_stop as (
    select customer_id, month, stopped_at, reason
    from stops
    qualify row_number() over (partition by customer_id, month order by stopped_at desc) = 1
)

select
    churns.customer_id,
    churns.month,
    coalesce(latest_stop.stopped_at, months.snapshot_at) as churned_at,
    cast(churns.lost_mrr as decimal(18, 2)) as lost_mrr,
    coalesce(latest_stop.reason, 'unknown') as reason
from churns
left join latest_stop on latest_stop.customer_id = churns.customer_id and latest_stop.month = churns.month
left join {{ ref('int_calendar__months') }} as months on months.month = churns.month
