{{ config(materialized='table') }}

-- One row per Stripe customer, deleted ones included: a deleted customer keeps
-- its history (and its last known email and name). Stripe answers a customer
-- deleted before we ever saw it with a bare stub, so its email, name and
-- currency fall back to what its latest invoice recorded of it.
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

invoice_snapshots as (
    select
        customer_id,
        arg_max(customer_email, created_at) filter (where customer_email is not null) as email,
        arg_max(customer_name, created_at) filter (where customer_name is not null) as name,
        arg_max(currency, created_at) as currency,
        epoch(min(created_at))::bigint as first_invoiced
    from {{ ref('stg_stripe__invoices') }}
    group by customer_id
),

completed as (
    select
        source.id,
        source.deleted,
        source.customer,
        coalesce(source.customer.email, invoice_snapshots.email) as email,
        coalesce(source.customer.name, invoice_snapshots.name) as name,
        coalesce(source.customer.currency, invoice_snapshots.currency) as currency,
        coalesce(source.customer.created, invoice_snapshots.first_invoiced) as created
    from source
    left join invoice_snapshots on invoice_snapshots.customer_id = source.id
),

normalized as (
    select
        id as customer_id,
        email,
        -- metrics.md: trimmed and lower-cased, nothing else rewritten; an
        -- address without an @ is not usable for matching.
        case
            when trim(email, ' ' || chr(9) || chr(10) || chr(13)) like '%_@_%'
                then lower(trim(email, ' ' || chr(9) || chr(10) || chr(13)))
        end as email_normalized,
        nullif(trim(name), '') as name,
        nullif(trim(customer.phone), '') as phone,
        customer.description as description,
        lower(currency) as currency,
        customer.address.country as country,
        case
            when json_type(customer.invoice_settings.default_payment_method) = 'OBJECT'
                then customer.invoice_settings.default_payment_method ->> 'id'
            else customer.invoice_settings.default_payment_method ->> '$'
        end as default_payment_method_id,
        coalesce(customer.delinquent, false) as is_delinquent,
        customer.metadata as metadata,
        to_timestamp(created) as created_at,
        deleted as is_deleted
    from completed
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
