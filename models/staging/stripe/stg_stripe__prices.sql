{{ config(materialized='table') }}

-- Prices from the prices list, completed by the price objects embedded in
-- subscription items (a price Stripe no longer lists still defines what an old
-- subscription paid). Amounts stay in minor units; unit_amount_decimal keeps
-- sub-cent prices exact.
with price_documents as (
    select 1 as preference, deleted, data as price_json
    from {{ source('stripe', 'prices') }}
    union all
    select 2 as preference, false as deleted, unnest(json_extract(data, '$.items.data[*].price')) as price_json
    from {{ source('stripe', 'subscriptions') }}
),

all_prices as (
    select
        preference,
        deleted,
        json_transform(price_json, '{
            "id": "VARCHAR", "product": "JSON", "currency": "VARCHAR", "nickname": "VARCHAR",
            "unit_amount": "BIGINT", "unit_amount_decimal": "VARCHAR",
            "billing_scheme": "VARCHAR", "tiers_mode": "VARCHAR", "type": "VARCHAR", "active": "BOOLEAN",
            "created": "BIGINT",
            "recurring": {"interval": "VARCHAR", "interval_count": "BIGINT", "usage_type": "VARCHAR"},
            "transform_quantity": {"divide_by": "BIGINT", "round": "VARCHAR"},
            "tiers": [{"up_to": "BIGINT", "unit_amount": "BIGINT", "unit_amount_decimal": "VARCHAR", "flat_amount": "BIGINT", "flat_amount_decimal": "VARCHAR"}]
        }') as price
    from price_documents
),

preferred as (
    select
        price,
        deleted
    from all_prices
    where price.id is not null
    qualify row_number() over (partition by price.id order by preference) = 1
)

select
    price.id as price_id,
    case
        when json_type(price.product) = 'OBJECT' then price.product ->> 'id'
        else price.product ->> '$'
    end as product_id,
    lower(price.currency) as currency,
    price.nickname as nickname,
    price.type as price_type,
    coalesce(price.billing_scheme, 'per_unit') as billing_scheme,
    price.tiers_mode as tiers_mode,
    price.tiers as tiers,
    coalesce(try_cast(price.unit_amount_decimal as decimal(38, 12)), price.unit_amount) as unit_amount,
    price.recurring.interval as recurring_interval,
    coalesce(price.recurring.interval_count, 1) as recurring_interval_count,
    price.recurring.usage_type as usage_type,
    price.transform_quantity.divide_by as transform_divide_by,
    price.transform_quantity.round as transform_round,
    coalesce(price.active, false) as is_active,
    to_timestamp(price.created) as created_at,
    deleted as is_deleted
from preferred
