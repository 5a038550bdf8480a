{{ config(materialized='table') }}

-- Every month from the first month with Stripe activity through the current
-- month, in the reporting time zone. snapshot_at is the instant a month's
-- MRR is measured: the last instant of the month, or now for the current one.
with bounds as (
    select
        date_trunc('month', timezone('{{ var("timezone") }}', least(
            (select min(started_at) from {{ ref('stg_stripe__subscriptions') }}),
            (select min(created_at) from {{ ref('stg_stripe__balance_transactions') }}),
            '{{ var("now") }}'::timestamptz
        )))::date as first_month,
        date_trunc('month', timezone('{{ var("timezone") }}', '{{ var("now") }}'::timestamptz))::date as current_month
),

months as (
    select
        cast(month_start as date) as month,
        current_month
    from bounds,
        generate_series(first_month::timestamp, current_month::timestamp, interval 1 month) as series(month_start)
)

select
    month,
    timezone('{{ var("timezone") }}', month::timestamp) as month_start_at,
    timezone('{{ var("timezone") }}', (month + interval 1 month)::timestamp) as next_month_start_at,
    case
        when month = current_month then '{{ var("now") }}'::timestamptz
        else timezone('{{ var("timezone") }}', (month + interval 1 month)::timestamp) - interval 1 microsecond
    end as snapshot_at,
    month = current_month as is_current_month
from months
