with source as (
    select
        id,
        json_transform(data, '{
            "invoice": "VARCHAR", "customer": "VARCHAR", "amount": "BIGINT", "currency": "VARCHAR",
            "status": "VARCHAR", "type": "VARCHAR", "reason": "VARCHAR", "created": "BIGINT", "number": "VARCHAR"
        }') as note
    from {{ source('stripe', 'credit_notes') }}
)

select
    id as credit_note_id,
    note.invoice as invoice_id,
    note.customer as customer_id,
    note.number as credit_note_number,
    coalesce(note.amount, 0) as amount,
    lower(note.currency) as currency,
    note.status as status,
    note.type as credit_note_type,
    note.reason as reason,
    to_timestamp(note.created) as created_at
from source
