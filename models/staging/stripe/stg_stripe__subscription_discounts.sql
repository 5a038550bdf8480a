-- Discounts attached to a subscription now (expanded objects). Ended or
-- removed discounts are no longer here; invoices remember them
-- (stg_stripe__invoice_discounts).
with discounts as (
    select
        id as subscription_id,
        unnest(json_extract(data, '$.discounts[*]')) as discount
    from {{ source('stripe', 'subscriptions') }}
),

parsed as (
    select
        subscription_id,
        json_transform(discount, '{
            "id": "VARCHAR", "start": "BIGINT", "end": "BIGINT",
            "source": {"coupon": "JSON"}, "coupon": {"id": "VARCHAR"}
        }') as d
    from discounts
    where json_type(discount) = 'OBJECT'
)

select
    d.id as discount_id,
    subscription_id,
    coalesce(
        case when json_type(d.source.coupon) = 'OBJECT' then d.source.coupon ->> 'id' else d.source.coupon ->> '$' end,
        d.coupon.id
    ) as coupon_id,
    to_timestamp(d.start) as started_at,
    to_timestamp(d."end") as ends_at
from parsed
