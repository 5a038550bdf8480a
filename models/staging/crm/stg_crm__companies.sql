-- One row per CRM company record (HubSpot company, Pipedrive organization),
-- the newest import winning.
with latest as (
    select companies.*, imports.imported_at
    from {{ source('crm', 'companies') }} as companies
    inner join {{ source('crm', 'imports') }} as imports on imports.import_id = companies.import_id
    qualify row_number() over (
        partition by companies.system, companies.crm_object, coalesce(companies.record_id, companies.company, companies.file || ':' || companies.line)
        order by imports.imported_at desc, companies.line desc
    ) = 1
)

select
    system as crm_system,
    crm_object,
    coalesce(record_id, company, file || ':' || line) as crm_record_id,
    company,
    domain,
    owner,
    phone,
    coalesce(lifecycle_stage, lead_status) as lifecycle_status,
    created_at,
    imported_at
from latest
