-- Tags per customer, from `tributary crm tag`.
select distinct
    keys.customer_id,
    tags.tag
from {{ source('crm_context', 'tags') }} as tags
inner join {{ ref('int_crm__context_keys') }} as keys
    on keys.customer_key = tags.customer_key and keys.key_kind = tags.key_kind
where keys.customer_id is not null
