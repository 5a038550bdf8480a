with source as (
    select
        id,
        json_transform(data, '{
            "charge": "VARCHAR", "amount": "BIGINT", "currency": "VARCHAR", "status": "VARCHAR",
            "reason": "VARCHAR", "created": "BIGINT"
        }') as dispute
    from {{ source('stripe', 'disputes') }}
)

select
    id as dispute_id,
    dispute.charge as charge_id,
    coalesce(dispute.amount, 0) as amount,
    lower(dispute.currency) as currency,
    dispute.status as status,
    dispute.reason as reason,
    to_timestamp(dispute.created) as created_at
from source
