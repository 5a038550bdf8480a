{{ config(materialized='table') }}

-- The items a subscription has now (Stripe's present state). Their history is
-- reconstructed from invoice lines in the intermediate layer.
with items as (
    select
        id as subscription_id,
        unnest(
            json_transform(data, '{"items": {"data": [{
                "id": "VARCHAR", "quantity": "BIGINT", "created": "BIGINT",
                "current_period_start": "BIGINT", "current_period_end": "BIGINT",
                "price": {"id": "VARCHAR"}
            }]}}').items.data
        ) as item
    from {{ source('stripe', 'subscriptions') }}
)

select
    item.id as subscription_item_id,
    subscription_id,
    item.price.id as price_id,
    coalesce(item.quantity, 1) as quantity,
    to_timestamp(item.created) as created_at,
    to_timestamp(item.current_period_start) as current_period_start_at,
    to_timestamp(item.current_period_end) as current_period_end_at
from items
