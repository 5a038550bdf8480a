{{ config(materialized='table') }}

-- One row per invoice. Amounts in the invoice currency's minor units.
with source as (
    select
        id,
        deleted,
        json_transform(data, '{
            "customer": "JSON", "customer_email": "VARCHAR", "customer_name": "VARCHAR", "number": "VARCHAR", "status": "VARCHAR", "billing_reason": "VARCHAR",
            "collection_method": "VARCHAR", "currency": "VARCHAR", "created": "BIGINT",
            "period_start": "BIGINT", "period_end": "BIGINT", "due_date": "BIGINT",
            "subtotal": "BIGINT", "total": "BIGINT", "amount_due": "BIGINT", "amount_paid": "BIGINT",
            "amount_remaining": "BIGINT", "attempt_count": "BIGINT",
            "next_payment_attempt": "BIGINT",
            "total_taxes": [{"amount": "BIGINT"}],
            "total_discount_amounts": [{"amount": "BIGINT"}],
            "status_transitions": {"finalized_at": "BIGINT", "paid_at": "BIGINT", "voided_at": "BIGINT", "marked_uncollectible_at": "BIGINT"},
            "parent": {"type": "VARCHAR", "subscription_details": {"subscription": "JSON"}}
        }') as invoice
    from {{ source('stripe', 'invoices') }}
)

select
    id as invoice_id,
    case
        when json_type(invoice.customer) = 'OBJECT' then invoice.customer ->> 'id'
        else invoice.customer ->> '$'
    end as customer_id,
    case
        when json_type(invoice.parent.subscription_details.subscription) = 'OBJECT'
            then invoice.parent.subscription_details.subscription ->> 'id'
        else invoice.parent.subscription_details.subscription ->> '$'
    end as subscription_id,
    invoice.customer_email as customer_email,
    invoice.customer_name as customer_name,
    invoice.number as invoice_number,
    invoice.status as status,
    invoice.billing_reason as billing_reason,
    invoice.collection_method as collection_method,
    lower(invoice.currency) as currency,
    to_timestamp(invoice.created) as created_at,
    to_timestamp(invoice.period_start) as period_start_at,
    to_timestamp(invoice.period_end) as period_end_at,
    to_timestamp(invoice.due_date) as due_at,
    coalesce(invoice.subtotal, 0) as subtotal,
    coalesce(invoice.total, 0) as total,
    coalesce(invoice.amount_due, 0) as amount_due,
    coalesce(invoice.amount_paid, 0) as amount_paid,
    coalesce(invoice.amount_remaining, 0) as amount_remaining,
    coalesce(list_sum([tax.amount for tax in invoice.total_taxes]), 0) as tax_amount,
    coalesce(list_sum([discount.amount for discount in invoice.total_discount_amounts]), 0) as discount_amount,
    coalesce(invoice.attempt_count, 0) as attempt_count,
    to_timestamp(invoice.next_payment_attempt) as next_payment_attempt_at,
    to_timestamp(invoice.status_transitions.finalized_at) as finalized_at,
    to_timestamp(invoice.status_transitions.paid_at) as paid_at,
    to_timestamp(invoice.status_transitions.voided_at) as voided_at,
    to_timestamp(invoice.status_transitions.marked_uncollectible_at) as marked_uncollectible_at,
    deleted as is_deleted
from source
