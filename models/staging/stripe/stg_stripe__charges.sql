{{ config(materialized='table') }}

-- Charges, succeeded and failed: failed ones feed the payment-failed signal.
with source as (
    select
        id,
        json_transform(data, '{
            "customer": "JSON", "amount": "BIGINT", "amount_refunded": "BIGINT", "currency": "VARCHAR",
            "status": "VARCHAR", "paid": "BOOLEAN", "captured": "BOOLEAN", "refunded": "BOOLEAN", "disputed": "BOOLEAN",
            "failure_code": "VARCHAR", "failure_message": "VARCHAR", "description": "VARCHAR",
            "balance_transaction": "JSON", "payment_intent": "JSON", "payment_method": "VARCHAR", "created": "BIGINT",
            "payment_method_details": {"type": "VARCHAR", "card": {"brand": "VARCHAR", "last4": "VARCHAR", "exp_month": "BIGINT", "exp_year": "BIGINT"}}
        }') as charge
    from {{ source('stripe', 'charges') }}
)

select
    id as charge_id,
    case when json_type(charge.customer) = 'OBJECT' then charge.customer ->> 'id' else charge.customer ->> '$' end as customer_id,
    coalesce(charge.amount, 0) as amount,
    coalesce(charge.amount_refunded, 0) as amount_refunded,
    lower(charge.currency) as currency,
    charge.status as status,
    coalesce(charge.paid, false) as is_paid,
    coalesce(charge.captured, false) as is_captured,
    coalesce(charge.refunded, false) as is_refunded,
    coalesce(charge.disputed, false) as is_disputed,
    charge.failure_code as failure_code,
    charge.failure_message as failure_message,
    charge.description as description,
    case
        when json_type(charge.balance_transaction) = 'OBJECT' then charge.balance_transaction ->> 'id'
        else charge.balance_transaction ->> '$'
    end as balance_transaction_id,
    case
        when json_type(charge.payment_intent) = 'OBJECT' then charge.payment_intent ->> 'id'
        else charge.payment_intent ->> '$'
    end as payment_intent_id,
    charge.payment_method as payment_method_id,
    charge.payment_method_details.card.brand as card_brand,
    charge.payment_method_details.card.last4 as card_last4,
    to_timestamp(charge.created) as created_at
from source
