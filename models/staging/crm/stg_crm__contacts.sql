-- One row per CRM person record (contact, lead, person), the newest import of
-- each record winning. The email is normalized by the import (trimmed,
-- lower-cased) and is what the identity merge matches on.
with imports as (
    select import_id, imported_at from {{ source('crm', 'imports') }}
),

latest as (
    select contacts.*, imports.imported_at
    from {{ source('crm', 'contacts') }} as contacts
    inner join imports on imports.import_id = contacts.import_id
    qualify row_number() over (
        partition by contacts.system, contacts.crm_object, coalesce(contacts.record_id, contacts.email, contacts.file || ':' || contacts.line)
        order by imports.imported_at desc, contacts.line desc
    ) = 1
)

select
    system as crm_system,
    crm_object,
    coalesce(record_id, email, file || ':' || line) as crm_record_id,
    email,
    nullif(email, '') as email_normalized,
    first_name,
    last_name,
    coalesce(full_name, nullif(trim(concat_ws(' ', first_name, last_name)), '')) as full_name,
    company,
    company_id,
    owner,
    phone,
    coalesce(lifecycle_stage, lead_status) as lifecycle_status,
    created_at,
    imported_at,
    import_id,
    file,
    line
from latest
