-- One row per CRM deal, the newest import winning. amount_minor is in minor
-- units of `currency`, as the import parsed it.
with latest as (
    select deals.*, imports.imported_at
    from {{ source('crm', 'deals') }} as deals
    inner join {{ source('crm', 'imports') }} as imports on imports.import_id = deals.import_id
    qualify row_number() over (
        partition by deals.system, coalesce(deals.record_id, deals.file || ':' || deals.line)
        order by imports.imported_at desc, deals.line desc
    ) = 1
)

select
    system as crm_system,
    coalesce(record_id, file || ':' || line) as crm_record_id,
    title,
    amount_minor,
    lower(currency) as currency,
    stage,
    pipeline,
    status,
    close_date,
    owner,
    company,
    company_id,
    coalesce(contact_ids, []::varchar[]) as contact_ids,
    coalesce(contact_emails, []::varchar[]) as contact_emails,
    created_at,
    imported_at
from latest
