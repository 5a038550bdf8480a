-- revenue_monthly equals the raw balance transactions added up straight from
-- Stripe's JSON, per month and currency, in minor units.
with raw_ledger as (
    select
        date_trunc('month', timezone('{{ var("timezone") }}', to_timestamp((data ->> 'created')::bigint)))::date as month,
        lower(data ->> 'currency') as currency,
        sum((data ->> 'amount')::bigint) filter (where data ->> 'reporting_category' = 'charge') as gross,
        -sum((data ->> 'amount')::bigint) filter (where data ->> 'reporting_category' in ('refund', 'refund_failure')) as refunds,
        -sum((data ->> 'amount')::bigint) filter (where data ->> 'reporting_category' in ('dispute', 'dispute_reversal')) as disputes,
        sum((data ->> 'fee')::bigint) as fees
    from {{ source('stripe', 'balance_transactions') }}
    group by all
),

reported as (
    select
        revenue.month,
        revenue.currency,
        revenue.gross_volume * cast(power(10, coalesce(digits.minor_unit_digits, 2)) as bigint) as gross,
        revenue.refunds * cast(power(10, coalesce(digits.minor_unit_digits, 2)) as bigint) as refunds,
        revenue.disputes * cast(power(10, coalesce(digits.minor_unit_digits, 2)) as bigint) as disputes,
        revenue.fees * cast(power(10, coalesce(digits.minor_unit_digits, 2)) as bigint) as fees
    from {{ ref('revenue_monthly') }} as revenue
    left join {{ ref('currencies') }} as digits on digits.currency = revenue.currency
)

select raw_ledger.*, reported.gross as reported_gross, reported.refunds as reported_refunds,
    reported.disputes as reported_disputes, reported.fees as reported_fees
from raw_ledger
full outer join reported on reported.month = raw_ledger.month and reported.currency = raw_ledger.currency
where coalesce(raw_ledger.gross, 0) <> coalesce(reported.gross, 0)
   or coalesce(raw_ledger.refunds, 0) <> coalesce(reported.refunds, 0)
   or coalesce(raw_ledger.disputes, 0) <> coalesce(reported.disputes, 0)
   or coalesce(raw_ledger.fees, 0) <> coalesce(reported.fees, 0)
