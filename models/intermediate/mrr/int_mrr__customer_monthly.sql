{{ config(materialized='table') }}

-- Each canonical customer's MRR at the end of each month (now, for the
-- current month), converted to the reporting currency at that month's rates,
-- from the first month its subscriptions could count through the current month.
-- Movements compare consecutive snapshots converted at the same (month M)
-- rates (metrics.md), so the previous month is converted again here at M's
-- rates: previous_mrr_at_month_rates. Amounts are rounded to the reporting
-- currency's minor unit per customer and month, so every aggregate of them is
-- exact and the MRR bridge holds to the cent. The MRR right after the first
-- payment is converted at each month's rates too: lifecycle's "expanded"
-- compares it with the month's MRR on that one basis (metrics.md).
with native as (
    select customer_id, month, currency, sum(mrr) as mrr_minor
    from {{ ref('int_mrr__subscription_snapshots') }}
    where instant_kind = 'month_end'
    group by customer_id, month, currency
),

first_payment_native as (
    select customer_id, currency, sum(mrr) as mrr_minor
    from {{ ref('int_mrr__subscription_snapshots') }}
    where instant_kind = 'first_payment'
    group by customer_id, currency
),

grid as (
    select distinct customer_id, month
    from {{ ref('int_mrr__snapshot_instants') }}
    where instant_kind = 'month_end'
),

customer_currencies as (
    select customer_id, currency from native
    union
    select customer_id, currency from first_payment_native
),

paired as (
    select
        grid.customer_id,
        grid.month,
        customer_currencies.currency,
        coalesce(this_month.mrr_minor, 0) as mrr_minor,
        coalesce(previous_month.mrr_minor, 0) as previous_mrr_minor,
        coalesce(first_payment.mrr_minor, 0) as first_payment_mrr_minor
    from grid
    inner join customer_currencies on customer_currencies.customer_id = grid.customer_id
    left join native as this_month
        on this_month.customer_id = grid.customer_id
       and this_month.month = grid.month
       and this_month.currency = customer_currencies.currency
    left join native as previous_month
        on previous_month.customer_id = grid.customer_id
       and previous_month.month = grid.month - interval 1 month
       and previous_month.currency = customer_currencies.currency
    left join first_payment_native as first_payment
        on first_payment.customer_id = grid.customer_id
       and first_payment.currency = customer_currencies.currency
),

converted as (
    select
        paired.customer_id,
        paired.month,
        paired.mrr_minor * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as mrr_major,
        paired.previous_mrr_minor * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as previous_mrr_major,
        paired.first_payment_mrr_minor * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as first_payment_mrr_major,
        case
            when paired.currency = reporting.currency then cast(1 as decimal(38, 12))
            when rates.rate_to_reporting is null and (paired.mrr_minor > 0 or paired.previous_mrr_minor > 0)
                then error(
                    'No exchange rate for ' || upper(case when rates.usd_per_unit is null then paired.currency else reporting.currency end)
                    || ' in ' || strftime(paired.month, '%Y-%m')
                    || ' (needed to convert ' || upper(paired.currency) || ' MRR to ' || upper(reporting.currency)
                    || '): no charge settled in it that month and seeds/fx_rates.csv has no rate for it; add a row (month,currency,usd_per_unit) to seeds/fx_rates.csv'
                )
            else cast(rates.rate_to_reporting as decimal(38, 12))
        end as rate
    from paired
    cross join {{ ref('int_fx__reporting_currency') }} as reporting
    left join {{ ref('currencies') }} as digits on digits.currency = paired.currency
    left join {{ ref('int_fx__rates_monthly') }} as rates
        on rates.currency = paired.currency and rates.month = paired.month
),

customer_months as (
    select
        converted.customer_id,
        converted.month,
        cast(case any_value(reporting.minor_unit_digits)
            -- Each branch cast on its own: a CASE over round(x, 0) and round(x, 2) would take the scale of the first.
            when 0 then cast(round(sum(converted.mrr_major * coalesce(converted.rate, 0)), 0) as decimal(18, 2))
            else cast(round(sum(converted.mrr_major * coalesce(converted.rate, 0)), 2) as decimal(18, 2))
        end as decimal(18, 2)) as mrr,
        cast(case any_value(reporting.minor_unit_digits)
            -- Each branch cast on its own: a CASE over round(x, 0) and round(x, 2) would take the scale of the first.
            when 0 then cast(round(sum(converted.previous_mrr_major * coalesce(converted.rate, 0)), 0) as decimal(18, 2))
            else cast(round(sum(converted.previous_mrr_major * coalesce(converted.rate, 0)), 2) as decimal(18, 2))
        end as decimal(18, 2)) as previous_mrr_at_month_rates,
        cast(case any_value(reporting.minor_unit_digits)
            when 0 then cast(round(sum(converted.first_payment_mrr_major * coalesce(converted.rate, 0)), 0) as decimal(18, 2))
            else cast(round(sum(converted.first_payment_mrr_major * coalesce(converted.rate, 0)), 2) as decimal(18, 2))
        end as decimal(18, 2)) as first_payment_mrr_at_month_rates
    from converted
    cross join {{ ref('int_fx__reporting_currency') }} as reporting
    group by converted.customer_id, converted.month
),

with_history as (
    select
        *,
        coalesce(lag(mrr) over (partition by customer_id order by month), 0) as previous_mrr,
        coalesce(max(mrr) over (partition by customer_id order by month rows between unbounded preceding and 1 preceding), 0) > 0 as had_mrr_before
    from customer_months
)

select
    customer_id,
    month,
    mrr,
    previous_mrr,
    previous_mrr_at_month_rates,
    first_payment_mrr_at_month_rates,
    had_mrr_before
from with_history
