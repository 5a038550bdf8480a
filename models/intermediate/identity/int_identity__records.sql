{{ config(materialized='table') }}

-- Every record that can be a customer: each Stripe customer and each CRM
-- contact, with its normalized email (metrics.md, Identity). Records that
-- share a normalized email are one customer; records without a usable email
-- stay identities of their own.
with stripe_records as (
    select
        'stripe:' || customer_id as record_key,
        'stripe' as record_source,
        customer_id as stripe_customer_id,
        cast(null as varchar) as crm_system,
        cast(null as varchar) as crm_record_id,
        email_normalized,
        created_at
    from {{ ref('stg_stripe__customers') }}
),

crm_records as (
    select
        'crm:' || crm_system || ':' || crm_record_id as record_key,
        'crm' as record_source,
        cast(null as varchar) as stripe_customer_id,
        crm_system,
        crm_record_id,
        email_normalized,
        created_at
    from {{ ref('stg_crm__contacts') }}
),

records as (
    select * from stripe_records
    union all
    select * from crm_records
)

select
    record_key,
    record_source,
    stripe_customer_id,
    crm_system,
    crm_record_id,
    email_normalized,
    created_at,
    coalesce('email:' || email_normalized, record_key) as identity_key
from records
