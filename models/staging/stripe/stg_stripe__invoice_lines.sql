{{ config(materialized='table') }}

-- Every line of every invoice (the extractor stores line lists whole). A
-- subscription line says which price and quantity covered its period; a
-- proration line says a change took effect at its period start.
with lines as (
    select
        id as invoice_id,
        invoice_shape.currency as invoice_currency,
        unnest(invoice_shape.lines.data) as line
    from (
        select
            id,
            json_transform(data, '{"currency": "VARCHAR", "lines": {"data": [{
                "id": "VARCHAR", "amount": "BIGINT", "currency": "VARCHAR", "description": "VARCHAR",
                "quantity": "BIGINT",
                "period": {"start": "BIGINT", "end": "BIGINT"},
                "parent": {
                    "type": "VARCHAR",
                    "subscription_item_details": {"subscription": "VARCHAR", "subscription_item": "VARCHAR", "proration": "BOOLEAN", "invoice_item": "VARCHAR"},
                    "invoice_item_details": {"subscription": "VARCHAR", "invoice_item": "VARCHAR", "proration": "BOOLEAN"}
                },
                "pricing": {"type": "VARCHAR", "unit_amount_decimal": "VARCHAR", "price_details": {"price": "VARCHAR", "product": "VARCHAR"}},
                "discount_amounts": [{"amount": "BIGINT", "discount": "VARCHAR"}],
                "taxes": [{"amount": "BIGINT"}]
            }]}}') as invoice_shape
        from {{ source('stripe', 'invoices') }}
    )
)

select
    line.id as invoice_line_id,
    invoice_id,
    line.parent.type as line_type,
    coalesce(line.parent.subscription_item_details.subscription, line.parent.invoice_item_details.subscription) as subscription_id,
    line.parent.subscription_item_details.subscription_item as subscription_item_id,
    coalesce(line.parent.subscription_item_details.invoice_item, line.parent.invoice_item_details.invoice_item) as invoice_item_id,
    coalesce(line.parent.subscription_item_details.proration, line.parent.invoice_item_details.proration, false) as is_proration,
    line.pricing.price_details.price as price_id,
    line.pricing.price_details.product as product_id,
    line.description as description,
    line.quantity as quantity,
    coalesce(line.amount, 0) as amount,
    lower(coalesce(line.currency, invoice_currency)) as currency,
    coalesce(list_sum([d.amount for d in line.discount_amounts]), 0) as discount_amount,
    coalesce(list_sum([t.amount for t in line.taxes]), 0) as tax_amount,
    to_timestamp(line.period.start) as period_start_at,
    to_timestamp(line.period."end") as period_end_at
from lines
