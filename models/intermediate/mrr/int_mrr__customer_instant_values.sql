{{ config(materialized='table') }}

-- Each customer's MRR now, a week ago and right after its first payment, all
-- converted at the current month's rates so they compare on one currency
-- basis (lifecycle "expanded", upgrade and downgrade signals).
with native as (
    select
        snapshots.customer_id,
        case when snapshots.instant_kind = 'month_end' then 'now' else snapshots.instant_kind end as instant_kind,
        snapshots.currency,
        sum(snapshots.mrr) as mrr_minor
    from {{ ref('int_mrr__subscription_snapshots') }} as snapshots
    left join {{ ref('int_calendar__months') }} as months on months.month = snapshots.month
    where snapshots.instant_kind in ('week_ago', 'first_payment')
       or (snapshots.instant_kind = 'month_end' and months.is_current_month)
    group by all
),

current_rates as (
    select rates.currency, rates.rate_to_reporting
    from {{ ref('int_fx__rates_monthly') }} as rates
    inner join {{ ref('int_calendar__months') }} as months on months.month = rates.month and months.is_current_month
)

select
    native.customer_id,
    native.instant_kind,
    cast(round(sum(
        native.mrr_minor
        * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4))
        * case
            when native.currency = reporting.currency then cast(1 as decimal(38, 12))
            else cast(current_rates.rate_to_reporting as decimal(38, 12))
          end
    ), 2) as decimal(18, 2)) as mrr
from native
cross join {{ ref('int_fx__reporting_currency') }} as reporting
left join {{ ref('currencies') }} as digits on digits.currency = native.currency
left join current_rates on current_rates.currency = native.currency
group by native.customer_id, native.instant_kind
