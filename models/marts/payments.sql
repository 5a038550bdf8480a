-- One row per charge, succeeded or failed, in the charge's own currency,
-- major units.
with records as (
    select customer_id, stripe_customer_id
    from {{ ref('int_identity__record_customers') }}
    where record_source = 'stripe'
)

select
    charges.charge_id,
    records.customer_id,
    charges.customer_id as stripe_customer_id,
    charges.created_at,
    charges.currency,
    cast(charges.amount * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as amount,
    charges.status,
    charges.failure_code,
    charges.failure_message,
    cast(charges.amount_refunded * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as amount_refunded,
    charges.is_disputed as disputed,
    charges.card_brand,
    charges.card_last4
from {{ ref('stg_stripe__charges') }} as charges
left join records on records.stripe_customer_id = charges.customer_id
left join {{ ref('currencies') }} as digits on digits.currency = charges.currency
