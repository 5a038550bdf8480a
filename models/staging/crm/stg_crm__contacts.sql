-- Placeholder until the CRM import lands: no CRM contacts.
select
    cast(null as varchar) as crm_system,
    cast(null as varchar) as crm_record_id,
    cast(null as varchar) as email,
    cast(null as varchar) as email_normalized,
    cast(null as varchar) as full_name,
    cast(null as varchar) as company,
    cast(null as varchar) as owner,
    cast(null as varchar) as phone,
    cast(null as varchar) as lifecycle_status,
    cast(null as timestamptz) as created_at,
    cast(null as timestamptz) as imported_at
where false
