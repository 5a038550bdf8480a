{{ config(materialized='table') }}

-- Events Stripe still lists (30 days). Subscription updates with
-- previous_attributes refine the item timeline where they reach.
with source as (
    select
        id,
        data,
        json_transform(data, '{"type": "VARCHAR", "created": "BIGINT", "data": {"object": {"id": "VARCHAR", "object": "VARCHAR"}}}') as event
    from {{ source('stripe', 'events') }}
)

select
    id as event_id,
    event.type as event_type,
    event.data.object.object as object_type,
    event.data.object.id as object_id,
    to_timestamp(event.created) as created_at,
    data -> '$.data.object' as object_json,
    data -> '$.data.previous_attributes' as previous_attributes_json
from source
