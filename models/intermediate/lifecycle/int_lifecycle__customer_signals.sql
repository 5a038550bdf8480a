{{ config(materialized='table') }}

-- The Stripe facts behind each customer's lifecycle stage and billing
-- signals, per canonical customer, as of now.
with records as (
    select customer_id, stripe_customer_id
    from {{ ref('int_identity__record_customers') }}
    where record_source = 'stripe'
),

subscriptions as (
    select records.customer_id, subscriptions.*
    from {{ ref('stg_stripe__subscriptions') }} as subscriptions
    inner join records on records.stripe_customer_id = subscriptions.customer_id
),

next_renewals as (
    select subscription_id, min(current_period_end_at) as next_renewal_at
    from {{ ref('stg_stripe__subscription_items') }}
    group by subscription_id
),

-- The card a renewal will be charged to: the subscription's default payment
-- method, else its customer's.
renewal_cards as (
    select
        subscriptions.customer_id,
        subscriptions.subscription_id,
        next_renewals.next_renewal_at,
        cards.card_expires_at
    from subscriptions
    inner join next_renewals on next_renewals.subscription_id = subscriptions.subscription_id
    left join {{ ref('stg_stripe__customers') }} as stripe_customers
        on stripe_customers.customer_id = subscriptions.customer_id
    inner join {{ ref('stg_stripe__payment_methods') }} as cards
        on cards.payment_method_id = coalesce(subscriptions.default_payment_method_id, stripe_customers.default_payment_method_id)
    where subscriptions.status in ('active', 'past_due', 'trialing')
      and not subscriptions.cancel_at_period_end
),

open_invoices as (
    select records.customer_id, invoices.*
    from {{ ref('stg_stripe__invoices') }} as invoices
    inner join records on records.stripe_customer_id = invoices.customer_id
    where invoices.status = 'open'
      and invoices.subscription_id is not null
      and invoices.amount_remaining > 0
),

first_paid as (
    select records.customer_id, min(invoices.paid_at) as first_paid_at
    from {{ ref('stg_stripe__invoices') }} as invoices
    inner join records on records.stripe_customer_id = invoices.customer_id
    where invoices.subscription_id is not null and invoices.amount_paid > 0 and invoices.paid_at is not null
    group by records.customer_id
),

mrr_history as (
    select customer_id, max(mrr) as peak_monthly_mrr
    from {{ ref('int_mrr__customer_monthly') }}
    group by customer_id
),

instant_values as (
    select
        customer_id,
        max(mrr) filter (where instant_kind = 'now') as mrr_now,
        max(mrr) filter (where instant_kind = 'week_ago') as mrr_week_ago,
        max(mrr) filter (where instant_kind = 'first_payment') as mrr_after_first_payment
    from {{ ref('int_mrr__customer_instant_values') }}
    group by customer_id
),

mrr_ends as (
    select records.customer_id, max(spans.mrr_to) filter (where spans.mrr_to <= '{{ var("now") }}'::timestamptz) as last_mrr_end_at
    from {{ ref('int_stripe__subscription_mrr_spans') }} as spans
    inner join records on records.stripe_customer_id = spans.customer_id
    group by records.customer_id
),

customers as (
    select distinct customer_id from {{ ref('int_identity__record_customers') }}
)

select
    customers.customer_id,
    coalesce(instant_values.mrr_now, 0) as mrr_now,
    coalesce(instant_values.mrr_week_ago, 0) as mrr_week_ago,
    coalesce(instant_values.mrr_after_first_payment, 0) as mrr_after_first_payment,
    greatest(coalesce(mrr_history.peak_monthly_mrr, 0), coalesce(instant_values.mrr_after_first_payment, 0)) > 0 as had_mrr,
    first_paid.first_paid_at,
    mrr_ends.last_mrr_end_at,
    exists (select 1 from subscriptions where subscriptions.customer_id = customers.customer_id and subscriptions.status = 'trialing') as has_trialing_subscription,
    exists (select 1 from subscriptions where subscriptions.customer_id = customers.customer_id and subscriptions.status = 'past_due') as has_past_due_subscription,
    exists (
        select 1 from open_invoices
        where open_invoices.customer_id = customers.customer_id
          and (open_invoices.attempt_count > 0 or open_invoices.due_at < '{{ var("now") }}'::timestamptz)
    ) as has_overdue_invoice,
    exists (
        select 1 from subscriptions
        where subscriptions.customer_id = customers.customer_id
          and subscriptions.status not in ('canceled', 'incomplete_expired')
          and (subscriptions.cancel_at_period_end or subscriptions.cancel_at > '{{ var("now") }}'::timestamptz)
    ) as has_scheduled_cancellation,
    exists (
        select 1 from renewal_cards
        where renewal_cards.customer_id = customers.customer_id
          and renewal_cards.card_expires_at <= renewal_cards.next_renewal_at
    ) as has_card_expiring_before_renewal
from customers
left join instant_values on instant_values.customer_id = customers.customer_id
left join first_paid on first_paid.customer_id = customers.customer_id
left join mrr_history on mrr_history.customer_id = customers.customer_id
left join mrr_ends on mrr_ends.customer_id = customers.customer_id
