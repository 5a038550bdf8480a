-- Customers' cards. A card is good through the last day of its expiry month.
with source as (
    select
        id,
        deleted,
        json_transform(data, '{
            "customer": "JSON", "type": "VARCHAR", "created": "BIGINT",
            "card": {"brand": "VARCHAR", "last4": "VARCHAR", "exp_month": "BIGINT", "exp_year": "BIGINT", "funding": "VARCHAR"}
        }') as pm
    from {{ source('stripe', 'payment_methods') }}
)

select
    id as payment_method_id,
    case when json_type(pm.customer) = 'OBJECT' then pm.customer ->> 'id' else pm.customer ->> '$' end as customer_id,
    pm.type as payment_method_type,
    pm.card.brand as card_brand,
    pm.card.last4 as card_last4,
    pm.card.exp_month as card_exp_month,
    pm.card.exp_year as card_exp_year,
    -- The first instant the card no longer works: the start of the month after expiry, UTC.
    case
        when pm.card.exp_year is not null and pm.card.exp_month between 1 and 12
            then make_timestamptz(pm.card.exp_year::integer, pm.card.exp_month::integer, 1, 0, 0, 0, 'UTC') + interval 1 month
    end as card_expires_at,
    to_timestamp(pm.created) as created_at,
    deleted as is_deleted
from source
