-- The customer each piece of typed CRM context (`tributary crm note|task|tag`)
-- belongs to, resolved at every build from what was typed: a Stripe customer
-- id through its identity, crm:<system>:<record id> likewise, an email through
-- the email merge. A person's canonical id can change (a CRM prospect who later
-- pays takes its Stripe id), so nothing here trusts the id resolved when the
-- note was typed unless the key itself no longer resolves.
with typed as (
    select customer_key, key_kind, email, customer_id from {{ source('crm_context', 'notes') }}
    union all
    select customer_key, key_kind, email, customer_id from {{ source('crm_context', 'tasks') }}
    union all
    select customer_key, key_kind, email, customer_id from {{ source('crm_context', 'tags') }}
),

keys as (
    select customer_key, key_kind, max(email) as email, max(customer_id) as customer_id
    from typed
    group by customer_key, key_kind
),

records as (
    select record_key, identity_key, customer_id from {{ ref('int_identity__record_customers') }}
),

customer_ids as (
    select distinct customer_id from records
)

select
    keys.customer_key,
    keys.key_kind,
    coalesce(
        by_record.customer_id,
        by_email.customer_id,
        case when customer_ids.customer_id is not null then keys.customer_id end
    ) as customer_id
from keys
left join records as by_record
    on keys.key_kind in ('stripe_customer', 'crm_record')
   and by_record.record_key = case when keys.key_kind = 'stripe_customer' then 'stripe:' || keys.customer_key else keys.customer_key end
left join (select distinct identity_key, customer_id from records) as by_email
    on keys.key_kind = 'email' and by_email.identity_key = 'email:' || keys.email
left join customer_ids on customer_ids.customer_id = keys.customer_id
