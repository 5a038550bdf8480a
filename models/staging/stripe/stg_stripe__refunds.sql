with source as (
    select
        id,
        json_transform(data, '{
            "charge": "VARCHAR", "amount": "BIGINT", "currency": "VARCHAR", "status": "VARCHAR",
            "reason": "VARCHAR", "balance_transaction": "VARCHAR", "created": "BIGINT"
        }') as refund
    from {{ source('stripe', 'refunds') }}
)

select
    id as refund_id,
    refund.charge as charge_id,
    coalesce(refund.amount, 0) as amount,
    lower(refund.currency) as currency,
    refund.status as status,
    refund.reason as reason,
    refund.balance_transaction as balance_transaction_id,
    to_timestamp(refund.created) as created_at
from source
