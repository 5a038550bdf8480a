-- The migration audit of a CRM import (stripe-first-crm.txt, "Audit the
-- delta"): one row per finding.
--   matched          a CRM record that merged into a customer with a Stripe side
--   crm_only         a CRM record with no Stripe customer: a prospect
--   stripe_only      a Stripe customer no imported CRM record matches
--   email_collision  a CRM record sharing its email with other CRM records of the
--                    same system: they merged into one customer
with records as (
    select * from {{ ref('int_identity__record_customers') }}
),

stripe_sides as (
    select customer_id, min(stripe_customer_id) as stripe_customer_id
    from records
    where record_source = 'stripe'
    group by customer_id
),

crm_sides as (
    select distinct customer_id from records where record_source = 'crm'
),

crm_records as (
    select
        records.*,
        count(*) over (partition by records.crm_system, records.identity_key) as same_email_records
    from records
    where record_source = 'crm'
)

select
    case when stripe_sides.customer_id is not null then 'matched' else 'crm_only' end as category,
    crm_records.customer_id,
    crm_records.email_normalized as email,
    crm_records.crm_system,
    crm_records.crm_record_id,
    stripe_sides.stripe_customer_id
from crm_records
left join stripe_sides on stripe_sides.customer_id = crm_records.customer_id

union all

select
    'email_collision' as category,
    crm_records.customer_id,
    crm_records.email_normalized,
    crm_records.crm_system,
    crm_records.crm_record_id,
    stripe_sides.stripe_customer_id
from crm_records
left join stripe_sides on stripe_sides.customer_id = crm_records.customer_id
where crm_records.email_normalized is not null and crm_records.same_email_records > 1

union all

select
    'stripe_only' as category,
    records.customer_id,
    records.email_normalized,
    cast(null as varchar) as crm_system,
    cast(null as varchar) as crm_record_id,
    records.stripe_customer_id
from records
where records.record_source = 'stripe'
  and (select count(*) from crm_sides) > 0
  and records.customer_id not in (select customer_id from crm_sides)
