-- One row per invoice (deleted drafts excluded), amounts in the invoice's own
-- currency, major units.
with records as (
    select customer_id, stripe_customer_id
    from {{ ref('int_identity__record_customers') }}
    where record_source = 'stripe'
),

service_periods as (
    select invoice_id, min(period_start_at) as period_start, max(period_end_at) as period_end
    from {{ ref('stg_stripe__invoice_lines') }}
    group by invoice_id
)

select
    invoices.invoice_id,
    records.customer_id,
    invoices.customer_id as stripe_customer_id,
    invoices.subscription_id,
    invoices.invoice_number as number,
    invoices.status,
    invoices.billing_reason,
    invoices.created_at,
    coalesce(service_periods.period_start, invoices.period_start_at) as period_start,
    coalesce(service_periods.period_end, invoices.period_end_at) as period_end,
    invoices.currency,
    cast(invoices.total * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as total,
    cast(invoices.amount_paid * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as amount_paid,
    cast(invoices.amount_due * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as amount_due,
    cast(invoices.amount_remaining * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as amount_remaining,
    cast(invoices.tax_amount * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4)) as decimal(18, 2)) as tax,
    invoices.paid_at
from {{ ref('stg_stripe__invoices') }} as invoices
left join records on records.stripe_customer_id = invoices.customer_id
left join service_periods on service_periods.invoice_id = invoices.invoice_id
left join {{ ref('currencies') }} as digits on digits.currency = invoices.currency
where not invoices.is_deleted
