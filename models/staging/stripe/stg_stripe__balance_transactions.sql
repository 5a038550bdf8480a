{{ config(materialized='table') }}

-- The ledger. amount, fee and net are in the settlement currency (`currency`);
-- exchange_rate converts the source's currency (major units) into it.
with source as (
    select
        id,
        json_transform(data, '{
            "amount": "BIGINT", "fee": "BIGINT", "net": "BIGINT", "currency": "VARCHAR",
            "exchange_rate": "DOUBLE", "reporting_category": "VARCHAR", "type": "VARCHAR",
            "source": "JSON", "status": "VARCHAR", "created": "BIGINT", "available_on": "BIGINT",
            "description": "VARCHAR"
        }') as txn
    from {{ source('stripe', 'balance_transactions') }}
)

select
    id as balance_transaction_id,
    coalesce(txn.amount, 0) as amount,
    coalesce(txn.fee, 0) as fee,
    coalesce(txn.net, 0) as net,
    lower(txn.currency) as currency,
    txn.exchange_rate as exchange_rate,
    txn.reporting_category as reporting_category,
    txn.type as transaction_type,
    case when json_type(txn.source) = 'OBJECT' then txn.source ->> 'id' else txn.source ->> '$' end as source_id,
    txn.status as status,
    txn.description as description,
    to_timestamp(txn.created) as created_at,
    to_timestamp(txn.available_on) as available_on
from source
