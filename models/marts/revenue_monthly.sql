-- Stripe's own ledger, not a recomputation (metrics.md, Revenue): balance
-- transactions by the month of `created`, in the settlement currency, grouped
-- by reporting_category. A founder adding up the same balance transactions in
-- Stripe gets these figures to the cent.
--   gross_volume = sum(amount) of 'charge'
--   refunds      = -sum(amount) of 'refund' and 'refund_failure'
--   disputes     = -sum(amount) of 'dispute' and 'dispute_reversal'
--   fees         = sum(fee) of every balance transaction
--   net_volume   = gross_volume - refunds - disputes - fees
with ledger as (
    select
        date_trunc('month', timezone('{{ var("timezone") }}', created_at))::date as month,
        currency,
        reporting_category,
        amount,
        fee
    from {{ ref('stg_stripe__balance_transactions') }}
),

currency_months as (
    select
        ledger_currencies.currency,
        months.month
    from (select currency, min(month) as first_month from ledger group by currency) as ledger_currencies
    inner join {{ ref('int_calendar__months') }} as months on months.month >= ledger_currencies.first_month
),

sums as (
    select
        month,
        currency,
        sum(amount) filter (where reporting_category = 'charge') as gross_minor,
        -sum(amount) filter (where reporting_category in ('refund', 'refund_failure')) as refunds_minor,
        -sum(amount) filter (where reporting_category in ('dispute', 'dispute_reversal')) as disputes_minor,
        sum(fee) as fees_minor
    from ledger
    group by month, currency
),

in_major_units as (
    select
        currency_months.month,
        currency_months.currency,
        cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as unit,
        coalesce(sums.gross_minor, 0) as gross_minor,
        coalesce(sums.refunds_minor, 0) as refunds_minor,
        coalesce(sums.disputes_minor, 0) as disputes_minor,
        coalesce(sums.fees_minor, 0) as fees_minor
    from currency_months
    left join sums on sums.month = currency_months.month and sums.currency = currency_months.currency
    left join {{ ref('currencies') }} as digits on digits.currency = currency_months.currency
)

select
    month,
    currency,
    cast(gross_minor * unit as decimal(18, 2)) as gross_volume,
    cast(refunds_minor * unit as decimal(18, 2)) as refunds,
    cast(disputes_minor * unit as decimal(18, 2)) as disputes,
    cast(fees_minor * unit as decimal(18, 2)) as fees,
    cast((gross_minor - refunds_minor - disputes_minor - fees_minor) * unit as decimal(18, 2)) as net_volume
from in_major_units
