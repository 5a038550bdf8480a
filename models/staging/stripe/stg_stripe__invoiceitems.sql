with source as (
    select
        id,
        deleted,
        json_transform(data, '{
            "customer": "VARCHAR", "invoice": "VARCHAR", "amount": "BIGINT", "currency": "VARCHAR",
            "description": "VARCHAR", "date": "BIGINT", "proration": "BOOLEAN", "quantity": "BIGINT",
            "period": {"start": "BIGINT", "end": "BIGINT"},
            "parent": {"subscription_details": {"subscription": "VARCHAR", "subscription_item": "VARCHAR"}},
            "pricing": {"price_details": {"price": "VARCHAR", "product": "VARCHAR"}}
        }') as item
    from {{ source('stripe', 'invoiceitems') }}
)

select
    id as invoice_item_id,
    item.customer as customer_id,
    item.invoice as invoice_id,
    item.parent.subscription_details.subscription as subscription_id,
    item.pricing.price_details.price as price_id,
    item.description as description,
    coalesce(item.amount, 0) as amount,
    lower(item.currency) as currency,
    item.quantity as quantity,
    coalesce(item.proration, false) as is_proration,
    to_timestamp(item.date) as created_at,
    to_timestamp(item.period.start) as period_start_at,
    to_timestamp(item.period."end") as period_end_at,
    deleted as is_deleted
from source
