{{ config(materialized='table') }}

-- One row per Stripe customer, deleted ones included: a deleted customer keeps
-- its history (and its last known email and name).
with source as (
    select
        id,
        deleted,
        json_transform(data, '{
            "email": "VARCHAR", "name": "VARCHAR", "phone": "VARCHAR", "description": "VARCHAR",
            "currency": "VARCHAR", "created": "BIGINT", "delinquent": "BOOLEAN",
            "address": {"country": "VARCHAR"},
            "invoice_settings": {"default_payment_method": "JSON"},
            "metadata": "JSON"
        }') as customer
    from {{ source('stripe', 'customers') }}
),

normalized as (
    select
        id as customer_id,
        customer.email as email,
        -- metrics.md: trimmed and lower-cased, nothing else rewritten; an
        -- address without an @ is not usable for matching.
        case
            when trim(customer.email, ' ' || chr(9) || chr(10) || chr(13)) like '%_@_%'
                then lower(trim(customer.email, ' ' || chr(9) || chr(10) || chr(13)))
        end as email_normalized,
        nullif(trim(customer.name), '') as name,
        nullif(trim(customer.phone), '') as phone,
        customer.description as description,
        lower(customer.currency) as currency,
        customer.address.country as country,
        case
            when json_type(customer.invoice_settings.default_payment_method) = 'OBJECT'
                then customer.invoice_settings.default_payment_method ->> 'id'
            else customer.invoice_settings.default_payment_method ->> '$'
        end as default_payment_method_id,
        coalesce(customer.delinquent, false) as is_delinquent,
        customer.metadata as metadata,
        to_timestamp(customer.created) as created_at,
        deleted as is_deleted
    from source
)

select
    customer_id,
    email,
    email_normalized,
    name,
    phone,
    description,
    currency,
    country,
    default_payment_method_id,
    is_delinquent,
    metadata,
    created_at,
    is_deleted
from normalized
