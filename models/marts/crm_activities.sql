-- One row per CRM note, task, call or deal, attached to its customer. Notes,
-- tasks and calls are typed with `tributary crm ...` (crm_system 'tributary');
-- deals come from imported exports and attach through their contacts' emails
-- or record ids. Context whose customer cannot be resolved has a NULL
-- customer_id (it attaches once the customer exists).
with keys as (
    select * from {{ ref('int_crm__context_keys') }}
),

records as (
    select * from {{ ref('int_identity__record_customers') }}
),

notes as (
    select
        keys.customer_id,
        notes.kind,
        notes.occurred_at,
        left(notes.body, 80) as subject,
        notes.body,
        cast(null as decimal(18, 2)) as amount,
        cast(null as varchar) as stage,
        'tributary' as crm_system,
        notes.author as owner
    from {{ source('crm_context', 'notes') }} as notes
    left join keys on keys.customer_key = notes.customer_key and keys.key_kind = notes.key_kind
),

tasks as (
    select
        keys.customer_id,
        'task' as kind,
        coalesce(tasks.due_date::timestamptz, tasks.created_at) as occurred_at,
        tasks.subject,
        tasks.subject as body,
        cast(null as decimal(18, 2)) as amount,
        tasks.status as stage,
        'tributary' as crm_system,
        tasks.author as owner
    from {{ source('crm_context', 'tasks') }} as tasks
    left join keys on keys.customer_key = tasks.customer_key and keys.key_kind = tasks.key_kind
),

deal_customers as (
    -- A deal's customer: the first of its contacts (by email, else by record id) that resolves.
    select
        deals.crm_system,
        deals.crm_record_id,
        min(coalesce(by_email.customer_id, by_record.customer_id)) as customer_id
    from {{ ref('stg_crm__deals') }} as deals
    left join (select unnest(contact_emails) as email, crm_system, crm_record_id from {{ ref('stg_crm__deals') }}) as deal_emails
        on deal_emails.crm_system = deals.crm_system and deal_emails.crm_record_id = deals.crm_record_id
    left join (select distinct identity_key, customer_id from records) as by_email
        on by_email.identity_key = 'email:' || deal_emails.email
    left join (select unnest(contact_ids) as contact_id, crm_system, crm_record_id from {{ ref('stg_crm__deals') }}) as deal_contacts
        on deal_contacts.crm_system = deals.crm_system and deal_contacts.crm_record_id = deals.crm_record_id
    left join records as by_record
        on by_record.record_key = 'crm:' || deals.crm_system || ':' || deal_contacts.contact_id
    group by deals.crm_system, deals.crm_record_id
),

deals as (
    select
        deal_customers.customer_id,
        'deal' as kind,
        coalesce(deals.close_date::timestamptz, deals.created_at) as occurred_at,
        deals.title as subject,
        concat_ws(' · ', deals.pipeline, deals.status) as body,
        cast(deals.amount_minor * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as amount,
        deals.stage,
        deals.crm_system,
        deals.owner
    from {{ ref('stg_crm__deals') }} as deals
    left join deal_customers
        on deal_customers.crm_system = deals.crm_system and deal_customers.crm_record_id = deals.crm_record_id
    left join {{ ref('currencies') }} as digits on digits.currency = deals.currency
)

select customer_id, kind, occurred_at, subject, body, amount, stage, crm_system, owner from notes
union all
select customer_id, kind, occurred_at, subject, body, amount, stage, crm_system, owner from tasks
union all
select customer_id, kind, occurred_at, subject, body, amount, stage, crm_system, owner from deals
