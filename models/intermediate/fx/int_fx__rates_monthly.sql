{{ config(materialized='table') }}

-- The value of one unit of each currency in US dollars, per month, used as a
-- pivot: any currency X converts to the reporting currency R at
-- usd_per_unit(X) / usd_per_unit(R). metrics.md: rates come first from the
-- account's own balance transactions (the exchange_rate of charges that
-- settled in another currency, averaged per month weighted by amount), then
-- from seeds/fx_rates.csv. A month with neither carries the latest earlier
-- rate forward (rate_source says so); a currency with no rate at or before a
-- month stays NULL and the conversion refuses it with an error naming both.
with currency_digits as (
    select currency, minor_unit_digits from {{ ref('currencies') }}
),

settled_charges as (
    select
        date_trunc('month', timezone('{{ var("timezone") }}', txn.created_at))::date as month,
        charge.currency as from_currency,
        txn.currency as to_currency,
        charge.amount / power(10, coalesce(digits.minor_unit_digits, 2)) as charge_amount_major,
        txn.exchange_rate as exchange_rate
    from {{ ref('stg_stripe__balance_transactions') }} as txn
    inner join {{ ref('stg_stripe__charges') }} as charge on charge.charge_id = txn.source_id
    left join currency_digits as digits on digits.currency = charge.currency
    where txn.reporting_category = 'charge'
      and txn.exchange_rate is not null
      and charge.currency <> txn.currency
      and charge.amount > 0
),

observed_rates as (
    select
        month,
        from_currency,
        to_currency,
        sum(charge_amount_major * exchange_rate) / sum(charge_amount_major) as rate
    from settled_charges
    group by month, from_currency, to_currency
),

seed_rates as (
    select cast(month as date) as month, lower(currency) as currency, usd_per_unit
    from {{ ref('fx_rates') }}
),

currencies as (
    select currency from {{ ref('stg_stripe__subscriptions') }} where currency is not null
    union
    select currency from {{ ref('stg_stripe__prices') }} where currency is not null
    union
    select currency from {{ ref('stg_stripe__balance_transactions') }} where currency is not null
    union
    select currency from {{ ref('int_fx__reporting_currency') }}
    union
    select from_currency from observed_rates
),

grid as (
    select months.month, currencies.currency
    from {{ ref('int_calendar__months') }} as months
    cross join currencies
),

-- Observed rates are to the settlement currency; pin them to dollars through
-- the settlement currency's own dollar value (1 when the account settles in USD).
observed_usd as (
    select
        observed.month,
        observed.from_currency as currency,
        observed.rate * case when observed.to_currency = 'usd' then 1 else settlement_seed.usd_per_unit end as usd_per_unit
    from observed_rates as observed
    left join seed_rates as settlement_seed
        on settlement_seed.month = observed.month and settlement_seed.currency = observed.to_currency
),

resolved as (
    select
        grid.month,
        grid.currency,
        case
            when grid.currency = 'usd' then 1.0
            else coalesce(observed_usd.usd_per_unit, seed_rates.usd_per_unit)
        end as known_usd_per_unit,
        case
            when grid.currency = 'usd' then 'identity'
            when observed_usd.usd_per_unit is not null then 'balance_transactions'
            when seed_rates.usd_per_unit is not null then 'seed'
        end as known_source
    from grid
    left join observed_usd on observed_usd.month = grid.month and observed_usd.currency = grid.currency
    left join seed_rates on seed_rates.month = grid.month and seed_rates.currency = grid.currency
),

carried as (
    select
        month,
        currency,
        coalesce(
            known_usd_per_unit,
            last_value(known_usd_per_unit ignore nulls) over (partition by currency order by month rows between unbounded preceding and current row)
        ) as usd_per_unit,
        case
            when known_source is not null then known_source
            when last_value(known_usd_per_unit ignore nulls) over (partition by currency order by month rows between unbounded preceding and current row) is not null
                then 'carried_forward'
        end as rate_source
    from resolved
)

select
    carried.month,
    carried.currency,
    carried.usd_per_unit,
    carried.usd_per_unit / reporting_rate.usd_per_unit as rate_to_reporting,
    carried.rate_source
from carried
cross join {{ ref('int_fx__reporting_currency') }} as reporting
left join carried as reporting_rate
    on reporting_rate.currency = reporting.currency and reporting_rate.month = carried.month
