{{ config(materialized='table') }}

-- When each subscription counts toward MRR. metrics.md: only while its status
-- is active or past_due; trialing, incomplete, incomplete_expired, unpaid,
-- paused and canceled contribute nothing, nor does any instant after ended_at.
-- Churn timing follows mrr.churn_at: 'ended' stops MRR when the subscription
-- actually ends (for cancel_at_period_end, at the period end); 'canceled'
-- stops it at the moment of the cancellation request.
-- Stripe keeps no status history beyond 30 days of events, so:
--   mrr_from  trial end for a trial that converted, else the start date;
--   mrr_to    ended_at; for a subscription unpaid (or paused) now, the moment
--             it became so: from its event when Stripe still lists it, else
--             the last failed payment attempt on its oldest unpaid invoice
--             (when dunning gave up), else that invoice's creation.
-- Status changes inside the 30 days of events are exact
-- (int_stripe__subscription_status_gaps).
with subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
),

status_changes as (
    select
        object_id as subscription_id,
        created_at,
        object_json ->> 'status' as status_after
    from {{ ref('stg_stripe__events') }}
    where event_type in ('customer.subscription.updated', 'customer.subscription.paused')
      and json_exists(previous_attributes_json, '$.status')
),

oldest_unpaid_invoice as (
    select subscription_id, customer_id, created_at
    from {{ ref('stg_stripe__invoices') }}
    where status in ('open', 'uncollectible')
      and amount_remaining > 0
      and attempt_count > 0
      and subscription_id is not null
    qualify row_number() over (partition by subscription_id order by created_at) = 1
),

dunning_end as (
    select
        unpaid.subscription_id,
        max(charges.created_at) as last_failed_attempt_at,
        any_value(unpaid.created_at) as invoice_created_at
    from oldest_unpaid_invoice as unpaid
    left join {{ ref('stg_stripe__charges') }} as charges
        on charges.customer_id = unpaid.customer_id
       and charges.status = 'failed'
       and charges.created_at >= unpaid.created_at
    group by unpaid.subscription_id
),

stopped as (
    select
        subscriptions.subscription_id,
        case
            when subscriptions.status = 'unpaid' then coalesce(
                (select max(changes.created_at) from status_changes as changes
                 where changes.subscription_id = subscriptions.subscription_id and changes.status_after = 'unpaid'),
                dunning_end.last_failed_attempt_at,
                dunning_end.invoice_created_at,
                '{{ var("now") }}'::timestamptz
            )
            when subscriptions.status = 'paused' then coalesce(
                (select max(changes.created_at) from status_changes as changes
                 where changes.subscription_id = subscriptions.subscription_id and changes.status_after = 'paused'),
                subscriptions.trial_end_at,
                '{{ var("now") }}'::timestamptz
            )
        end as stopped_at
    from subscriptions
    left join dunning_end on dunning_end.subscription_id = subscriptions.subscription_id
),

spans as (
    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.status,
        subscriptions.currency,
        case
            when subscriptions.status in ('incomplete', 'incomplete_expired') then null
            when subscriptions.trial_end_at is not null and subscriptions.trial_end_at > subscriptions.started_at
                then subscriptions.trial_end_at
            else subscriptions.started_at
        end as mrr_from,
        case
            when '{{ var("mrr.churn_at") }}' = 'canceled' and subscriptions.canceled_at is not null
                then least(subscriptions.canceled_at, coalesce(subscriptions.ended_at, stopped.stopped_at, 'infinity'::timestamptz))
            else coalesce(subscriptions.ended_at, stopped.stopped_at, 'infinity'::timestamptz)
        end as mrr_to
    from subscriptions
    left join stopped on stopped.subscription_id = subscriptions.subscription_id
)

select
    subscription_id,
    customer_id,
    status,
    currency,
    mrr_from,
    mrr_to
from spans
where mrr_from is not null
  and mrr_from < mrr_to
