-- Stretches inside a subscription's MRR span when its status did not count
-- (unpaid or paused, then back to active), known exactly from the
-- customer.subscription.updated events Stripe still lists (30 days).
with changes as (
    select
        object_id as subscription_id,
        created_at,
        object_json ->> 'status' as status_after
    from {{ ref('stg_stripe__events') }}
    where event_type in ('customer.subscription.updated', 'customer.subscription.paused', 'customer.subscription.resumed')
      and json_exists(previous_attributes_json, '$.status')
),

sequenced as (
    select
        *,
        lead(created_at) over (partition by subscription_id order by created_at) as next_change_at
    from changes
)

select
    subscription_id,
    created_at as gap_from,
    coalesce(next_change_at, 'infinity'::timestamptz) as gap_to,
    status_after as status
from sequenced
where status_after not in ('active', 'past_due')
