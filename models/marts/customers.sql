-- One row per canonical customer: every Stripe customer and CRM contact that
-- share a normalized email are one customer (metrics.md, Identity). Stripe is
-- authoritative for identity and revenue fields (email, name, currency, MRR);
-- the CRM adds context (company, owner, phone, tags).
with records as (
    select * from {{ ref('int_identity__record_customers') }}
),

stripe_side as (
    select
        records.customer_id,
        -- The most recently created live Stripe customer speaks for the
        -- identity; a deleted one only when nothing else is left.
        arg_max(trim(stripe_customers.email), (not stripe_customers.is_deleted, stripe_customers.created_at)) as email,
        arg_max(stripe_customers.name, (not stripe_customers.is_deleted, stripe_customers.name is not null, stripe_customers.created_at)) as name,
        arg_max(stripe_customers.phone, (stripe_customers.phone is not null, stripe_customers.created_at)) as phone,
        arg_max(stripe_customers.currency, (stripe_customers.currency is not null, not stripe_customers.is_deleted, stripe_customers.created_at)) as currency,
        list_sort(list(stripe_customers.customer_id)) as stripe_customer_ids,
        bool_and(stripe_customers.is_deleted) as is_deleted,
        min(stripe_customers.created_at) as created_at
    from records
    inner join {{ ref('stg_stripe__customers') }} as stripe_customers
        on stripe_customers.customer_id = records.stripe_customer_id
    group by records.customer_id
),

crm_side as (
    select
        records.customer_id,
        arg_max(contacts.email, contacts.imported_at) as email,
        arg_max(contacts.full_name, (contacts.full_name is not null, contacts.imported_at)) as name,
        arg_max(contacts.company, (contacts.company is not null, contacts.imported_at)) as company,
        arg_max(contacts.owner, (contacts.owner is not null, contacts.imported_at)) as owner,
        arg_max(contacts.phone, (contacts.phone is not null, contacts.imported_at)) as phone,
        list_sort(list(contacts.crm_system || ':' || contacts.crm_record_id)) as crm_record_ids,
        min(contacts.created_at) as created_at
    from records
    inner join {{ ref('stg_crm__contacts') }} as contacts
        on contacts.crm_system = records.crm_system and contacts.crm_record_id = records.crm_record_id
    group by records.customer_id
),

tags as (
    select customer_id, list_sort(list(distinct tag)) as tags
    from {{ ref('int_crm__customer_tags') }}
    group by customer_id
),

customer_ids as (
    select distinct customer_id from records
)

select
    customer_ids.customer_id,
    coalesce(stripe_side.email, crm_side.email) as email,
    coalesce(stripe_side.name, crm_side.name) as name,
    crm_side.company,
    case
        when stripe_side.customer_id is not null and crm_side.customer_id is not null then 'both'
        when stripe_side.customer_id is not null then 'stripe'
        else 'crm'
    end as origin,
    stages.lifecycle_stage,
    coalesce(signals.mrr_now, 0) as mrr,
    coalesce(stripe_side.stripe_customer_ids, []::varchar[]) as stripe_customer_ids,
    coalesce(crm_side.crm_record_ids, []::varchar[]) as crm_record_ids,
    signals.first_paid_at,
    stages.churned_at,
    least(stripe_side.created_at, crm_side.created_at) as created_at,
    crm_side.owner,
    coalesce(tags.tags, []::varchar[]) as tags,
    coalesce(stripe_side.phone, crm_side.phone) as phone,
    stripe_side.currency,
    coalesce(stripe_side.is_deleted, false) as is_deleted
from customer_ids
left join stripe_side on stripe_side.customer_id = customer_ids.customer_id
left join crm_side on crm_side.customer_id = customer_ids.customer_id
left join tags on tags.customer_id = customer_ids.customer_id
left join {{ ref('int_lifecycle__customer_stages') }} as stages on stages.customer_id = customer_ids.customer_id
left join {{ ref('int_lifecycle__customer_signals') }} as signals on signals.customer_id = customer_ids.customer_id
