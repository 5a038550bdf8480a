with source as (
    select
        id,
        deleted,
        json_transform(data, '{"name": "VARCHAR", "active": "BOOLEAN", "created": "BIGINT", "unit_label": "VARCHAR"}') as product
    from {{ source('stripe', 'products') }}
)

select
    id as product_id,
    product.name as product_name,
    coalesce(product.active, false) as is_active,
    product.unit_label as unit_label,
    to_timestamp(product.created) as created_at,
    deleted as is_deleted
from source
