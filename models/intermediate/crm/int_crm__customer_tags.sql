-- Placeholder until CRM context lands: no tags.
select cast(null as varchar) as customer_id, cast(null as varchar) as tag where false
