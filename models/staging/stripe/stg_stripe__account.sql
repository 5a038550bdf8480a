-- The account row: its default currency is the default reporting currency.
with source as (
    select
        id,
        json_transform(data, '{"default_currency": "VARCHAR", "country": "VARCHAR", "created": "BIGINT", "settings": {"dashboard": {"display_name": "VARCHAR"}}}') as account
    from {{ source('stripe', 'account') }}
)

select
    id as account_id,
    lower(account.default_currency) as default_currency,
    account.country as country,
    account.settings.dashboard.display_name as display_name,
    to_timestamp(account.created) as created_at
from source
