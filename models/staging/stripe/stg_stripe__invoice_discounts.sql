-- Discounts applied to invoices (expanded), so the discount history survives
-- after Stripe removes an ended discount from its subscription.
with discounts as (
    select
        id as invoice_id,
        unnest(json_extract(data, '$.discounts[*]')) as discount
    from {{ source('stripe', 'invoices') }}
),

parsed as (
    select
        invoice_id,
        json_transform(discount, '{
            "id": "VARCHAR", "start": "BIGINT", "end": "BIGINT", "subscription": "VARCHAR",
            "source": {"coupon": "JSON"}, "coupon": {"id": "VARCHAR"}
        }') as d
    from discounts
    where json_type(discount) = 'OBJECT'
)

select
    d.id as discount_id,
    invoice_id,
    d.subscription as subscription_id,
    coalesce(
        case when json_type(d.source.coupon) = 'OBJECT' then d.source.coupon ->> 'id' else d.source.coupon ->> '$' end,
        d.coupon.id
    ) as coupon_id,
    to_timestamp(d.start) as started_at,
    to_timestamp(d."end") as ends_at
from parsed
