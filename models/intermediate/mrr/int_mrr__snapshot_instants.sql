{{ config(materialized='table') }}

-- The instants at which each canonical customer's MRR is measured:
--   month_end      every month from the month its first subscription began to
--                  count through the current month (the current month's
--                  instant is now);
--   week_ago       now minus 7 days (upgrade and downgrade signals);
--   first_payment  one second after its first paid subscription invoice
--                  (the "expanded" lifecycle stage compares against it).
with customer_subscriptions as (
    select
        records.customer_id,
        spans.subscription_id,
        spans.mrr_from
    from {{ ref('int_stripe__subscription_mrr_spans') }} as spans
    inner join {{ ref('int_identity__record_customers') }} as records
        on records.stripe_customer_id = spans.customer_id
),

first_months as (
    select
        customer_id,
        date_trunc('month', timezone('{{ var("timezone") }}', min(mrr_from)))::date as first_month
    from customer_subscriptions
    group by customer_id
),

month_ends as (
    select
        first_months.customer_id,
        'month_end' as instant_kind,
        months.month,
        months.snapshot_at
    from first_months
    inner join {{ ref('int_calendar__months') }} as months on months.month >= first_months.first_month
),

first_payments as (
    select
        records.customer_id,
        min(invoices.paid_at) as first_paid_at
    from {{ ref('stg_stripe__invoices') }} as invoices
    inner join {{ ref('int_identity__record_customers') }} as records
        on records.stripe_customer_id = invoices.customer_id
    where invoices.subscription_id is not null
      and invoices.amount_paid > 0
      and invoices.paid_at is not null
    group by records.customer_id
),

current_month as (
    select month from {{ ref('int_calendar__months') }} where is_current_month
)

select customer_id, instant_kind, month, snapshot_at from month_ends
union all
select first_months.customer_id, 'week_ago', current_month.month, '{{ var("now") }}'::timestamptz - interval 7 day
from first_months cross join current_month
union all
select customer_id, 'first_payment',
    date_trunc('month', timezone('{{ var("timezone") }}', first_paid_at))::date,
    first_paid_at + interval 1 second
from first_payments
