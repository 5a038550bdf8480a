with source as (
    select
        id,
        deleted,
        json_transform(data, '{
            "name": "VARCHAR", "percent_off": "DECIMAL(9, 4)", "amount_off": "BIGINT", "currency": "VARCHAR",
            "duration": "VARCHAR", "duration_in_months": "BIGINT", "created": "BIGINT", "valid": "BOOLEAN"
        }') as coupon
    from {{ source('stripe', 'coupons') }}
)

select
    id as coupon_id,
    coupon.name as coupon_name,
    coupon.percent_off as percent_off,
    coupon.amount_off as amount_off,
    lower(coupon.currency) as currency,
    coupon.duration as duration,
    coupon.duration_in_months as duration_in_months,
    coalesce(coupon.valid, false) as is_valid,
    to_timestamp(coupon.created) as created_at,
    deleted as is_deleted
from source
