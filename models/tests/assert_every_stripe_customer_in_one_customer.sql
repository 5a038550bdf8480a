-- Every Stripe customer id belongs to exactly one canonical customer.
with memberships as (
    select unnest(stripe_customer_ids) as stripe_customer_id, customer_id
    from {{ ref('customers') }}
),

counts as (
    select stripe.customer_id as stripe_customer_id, count(memberships.customer_id) as canonical_customers
    from {{ source('stripe', 'customers') }} as stripe_raw
    inner join {{ ref('stg_stripe__customers') }} as stripe on stripe.customer_id = stripe_raw.id
    left join memberships on memberships.stripe_customer_id = stripe.customer_id
    group by stripe.customer_id
)

select stripe_customer_id, canonical_customers
from counts
where canonical_customers <> 1
