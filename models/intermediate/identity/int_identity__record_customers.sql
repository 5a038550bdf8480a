{{ config(materialized='table') }}

-- The canonical customer of every record. customer_id is stable across
-- refreshes: the id of the earliest created Stripe customer of the identity,
-- or crm:<system>:<record id> of its earliest CRM record when it has no Stripe
-- customer.
with records as (
    select * from {{ ref('int_identity__records') }}
),

canonical as (
    select
        identity_key,
        coalesce(
            arg_min(stripe_customer_id, (created_at, stripe_customer_id)) filter (where record_source = 'stripe'),
            arg_min(record_key, (coalesce(created_at, 'infinity'::timestamptz), record_key)) filter (where record_source = 'crm')
        ) as customer_id
    from records
    group by identity_key
)

select
    records.record_key,
    records.record_source,
    records.stripe_customer_id,
    records.crm_system,
    records.crm_record_id,
    records.email_normalized,
    records.created_at,
    records.identity_key,
    canonical.customer_id
from records
inner join canonical on canonical.identity_key = records.identity_key
