-- One row per imported CRM person record (contact, lead, person) and the
-- customer it merged into. matched is true when that customer has a Stripe
-- side: the CRM record and a Stripe customer share a normalized email.
with records as (
    select * from {{ ref('int_identity__record_customers') }}
),

stripe_customers as (
    select distinct customer_id from records where record_source = 'stripe'
)

select
    contacts.crm_system,
    contacts.crm_object,
    contacts.crm_record_id,
    contacts.email,
    records.customer_id,
    stripe_customers.customer_id is not null as matched
from {{ ref('stg_crm__contacts') }} as contacts
inner join records
    on records.record_source = 'crm'
   and records.crm_system = contacts.crm_system
   and records.crm_record_id = contacts.crm_record_id
left join stripe_customers on stripe_customers.customer_id = records.customer_id
