{{ config(materialized='table') }}

-- One row per subscription, every status. The dates here bound the item
-- timeline that int_stripe__subscription_item_segments reconstructs.
with source as (
    select
        id,
        json_transform(data, '{
            "customer": "JSON", "status": "VARCHAR", "currency": "VARCHAR", "collection_method": "VARCHAR",
            "created": "BIGINT", "start_date": "BIGINT", "billing_cycle_anchor": "BIGINT",
            "trial_start": "BIGINT", "trial_end": "BIGINT",
            "cancel_at_period_end": "BOOLEAN", "cancel_at": "BIGINT", "canceled_at": "BIGINT", "ended_at": "BIGINT",
            "cancellation_details": {"reason": "VARCHAR", "feedback": "VARCHAR", "comment": "VARCHAR"},
            "default_payment_method": "JSON",
            "latest_invoice": "JSON",
            "metadata": "JSON"
        }') as subscription
    from {{ source('stripe', 'subscriptions') }}
)

select
    id as subscription_id,
    case
        when json_type(subscription.customer) = 'OBJECT' then subscription.customer ->> 'id'
        else subscription.customer ->> '$'
    end as customer_id,
    subscription.status as status,
    lower(subscription.currency) as currency,
    subscription.collection_method as collection_method,
    to_timestamp(subscription.created) as created_at,
    to_timestamp(subscription.start_date) as started_at,
    to_timestamp(subscription.billing_cycle_anchor) as billing_cycle_anchor_at,
    to_timestamp(subscription.trial_start) as trial_start_at,
    to_timestamp(subscription.trial_end) as trial_end_at,
    coalesce(subscription.cancel_at_period_end, false) as cancel_at_period_end,
    to_timestamp(subscription.cancel_at) as cancel_at,
    to_timestamp(subscription.canceled_at) as canceled_at,
    to_timestamp(subscription.ended_at) as ended_at,
    subscription.cancellation_details.reason as cancellation_reason,
    subscription.cancellation_details.feedback as cancellation_feedback,
    subscription.cancellation_details.comment as cancellation_comment,
    case
        when json_type(subscription.default_payment_method) = 'OBJECT' then subscription.default_payment_method ->> 'id'
        else subscription.default_payment_method ->> '$'
    end as default_payment_method_id,
    subscription.metadata as metadata
from source
