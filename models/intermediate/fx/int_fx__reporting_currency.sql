-- The marts' currency: TRIBUTARY_REPORTING_CURRENCY, else the Stripe
-- account's default currency.
with chosen as (
    select coalesce(
        nullif(lower('{{ var("reporting_currency") }}'), ''),
        (select default_currency from {{ ref('stg_stripe__account') }} limit 1),
        'usd'
    ) as currency
)

select
    chosen.currency as currency,
    coalesce(currencies.minor_unit_digits, 2) as minor_unit_digits
from chosen
left join {{ ref('currencies') }} as currencies on currencies.currency = chosen.currency
