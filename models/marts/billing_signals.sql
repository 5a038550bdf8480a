-- One row per open billing signal: the list a founder acts on (metrics.md,
-- Billing signals). Amounts in the reporting currency, converted at the
-- current month's rates.
--   trial_ending            a trial ends within 7 days (amount: the MRR it converts to)
--   card_expiring           the renewal card expires before the next renewal (amount: customer MRR)
--   payment_failed          an open subscription invoice has a failed attempt (amount: still due)
--   cancellation_scheduled  a subscription is set to cancel (amount: its MRR)
--   upgraded / downgraded   MRR now differs from 7 days ago, both non-zero (amount: the change)
--   churned                 churned in the last 30 days (amount: the MRR lost)
with records as (
    select customer_id, stripe_customer_id
    from {{ ref('int_identity__record_customers') }}
    where record_source = 'stripe'
),

now_instant as (
    select '{{ var("now") }}'::timestamptz as now
),

current_rates as (
    select rates.currency, case when rates.currency = reporting.currency then 1 else rates.rate_to_reporting end as rate
    from {{ ref('int_fx__rates_monthly') }} as rates
    inner join {{ ref('int_calendar__months') }} as months on months.month = rates.month and months.is_current_month
    cross join {{ ref('int_fx__reporting_currency') }} as reporting
),

subscriptions as (
    select records.customer_id, subscriptions.*
    from {{ ref('stg_stripe__subscriptions') }} as subscriptions
    inner join records on records.stripe_customer_id = subscriptions.customer_id
),

subscription_list_mrr as (
    -- The list MRR of each subscription's items at an instant of interest:
    -- its trial end for trials, now for the rest.
    select
        subscriptions.subscription_id,
        sum(
            segments.monthly_amount
            * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4))
            * cast(coalesce(current_rates.rate, 0) as decimal(38, 12))
        ) as mrr
    from subscriptions
    cross join now_instant
    inner join {{ ref('int_stripe__subscription_item_segments') }} as segments
        on segments.subscription_id = subscriptions.subscription_id
       and greatest(now_instant.now, coalesce(subscriptions.trial_end_at, now_instant.now)) >= segments.valid_from
       and greatest(now_instant.now, coalesce(subscriptions.trial_end_at, now_instant.now)) < segments.valid_to
    left join {{ ref('currencies') }} as digits on digits.currency = segments.currency
    left join current_rates on current_rates.currency = segments.currency
    group by subscriptions.subscription_id
),

trial_ending as (
    select subscriptions.customer_id, 'trial_ending' as signal, subscriptions.trial_end_at as occurred_at,
        subscription_list_mrr.mrr as amount,
        'Trial of ' || subscriptions.subscription_id || ' ends ' || strftime(subscriptions.trial_end_at, '%Y-%m-%d') as detail
    from subscriptions
    cross join now_instant
    left join subscription_list_mrr on subscription_list_mrr.subscription_id = subscriptions.subscription_id
    where subscriptions.status = 'trialing'
      and subscriptions.trial_end_at >= now_instant.now
      and subscriptions.trial_end_at < now_instant.now + interval 7 day
),

card_expiring as (
    select signals.customer_id, 'card_expiring' as signal,
        min(cards.card_expires_at) as occurred_at,
        any_value(signals.mrr_now) as amount,
        'Card ending ' || coalesce(any_value(cards.card_last4), '????')
            || case when min(cards.card_expires_at) <= any_value(now_instant.now) then ' expired ' else ' expires ' end
            || strftime(min(cards.card_expires_at) - interval 1 day, '%m/%Y')
            || case when min(cards.card_expires_at) <= any_value(now_instant.now) then ': the next renewal fails unless it is updated' else ', before the next renewal' end
            as detail
    from {{ ref('int_lifecycle__customer_signals') }} as signals
    cross join now_instant
    inner join subscriptions on subscriptions.customer_id = signals.customer_id
    inner join {{ ref('stg_stripe__subscription_items') }} as items on items.subscription_id = subscriptions.subscription_id
    left join {{ ref('stg_stripe__customers') }} as stripe_customers on stripe_customers.customer_id = subscriptions.customer_id
    inner join {{ ref('stg_stripe__payment_methods') }} as cards
        on cards.payment_method_id = coalesce(subscriptions.default_payment_method_id, stripe_customers.default_payment_method_id)
    where signals.has_card_expiring_before_renewal
      and subscriptions.status in ('active', 'past_due', 'trialing')
      and not subscriptions.cancel_at_period_end
      and cards.card_expires_at <= items.current_period_end_at
    group by signals.customer_id
),

payment_failed as (
    select records.customer_id, 'payment_failed' as signal,
        coalesce(
            (select max(charges.created_at) from {{ ref('stg_stripe__charges') }} as charges
             where charges.customer_id = invoices.customer_id and charges.status = 'failed' and charges.created_at >= invoices.created_at),
            invoices.finalized_at,
            invoices.created_at
        ) as occurred_at,
        invoices.amount_remaining
            * cast(power(10, -coalesce(digits.minor_unit_digits, 2)) as decimal(10, 4))
            * cast(coalesce(current_rates.rate, 0) as decimal(38, 12)) as amount,
        'Invoice ' || coalesce(invoices.invoice_number, invoices.invoice_id) || ': ' || invoices.attempt_count || ' failed attempt(s)' as detail
    from {{ ref('stg_stripe__invoices') }} as invoices
    inner join records on records.stripe_customer_id = invoices.customer_id
    left join {{ ref('currencies') }} as digits on digits.currency = invoices.currency
    left join current_rates on current_rates.currency = invoices.currency
    where invoices.status = 'open'
      and invoices.subscription_id is not null
      and invoices.attempt_count > 0
      and invoices.amount_remaining > 0
),

cancellation_scheduled as (
    select subscriptions.customer_id, 'cancellation_scheduled' as signal,
        coalesce(subscriptions.cancel_at, (select min(items.current_period_end_at) from {{ ref('stg_stripe__subscription_items') }} as items where items.subscription_id = subscriptions.subscription_id)) as occurred_at,
        subscription_list_mrr.mrr as amount,
        'Subscription ' || subscriptions.subscription_id || ' is set to cancel'
            || coalesce(' (' || subscriptions.cancellation_feedback || ')', '') as detail
    from subscriptions
    cross join now_instant
    left join subscription_list_mrr on subscription_list_mrr.subscription_id = subscriptions.subscription_id
    where subscriptions.status not in ('canceled', 'incomplete_expired')
      and (subscriptions.cancel_at_period_end or subscriptions.cancel_at > now_instant.now)
),

plan_changes as (
    select
        signals.customer_id,
        case when signals.mrr_now > signals.mrr_week_ago then 'upgraded' else 'downgraded' end as signal,
        coalesce(
            (select max(segments.valid_from)
             from {{ ref('int_stripe__subscription_item_segments') }} as segments
             inner join subscriptions on subscriptions.subscription_id = segments.subscription_id
             where subscriptions.customer_id = signals.customer_id
               and segments.valid_from > now_instant.now - interval 7 day
               and segments.valid_from <= now_instant.now),
            now_instant.now
        ) as occurred_at,
        signals.mrr_now - signals.mrr_week_ago as amount,
        'MRR ' || signals.mrr_week_ago || ' -> ' || signals.mrr_now || ' in the last 7 days' as detail
    from {{ ref('int_lifecycle__customer_signals') }} as signals
    cross join now_instant
    where signals.mrr_now > 0
      and signals.mrr_week_ago > 0
      and signals.mrr_now <> signals.mrr_week_ago
),

recently_churned as (
    select stages.customer_id, 'churned' as signal, stages.churned_at as occurred_at,
        (select -movements.amount from {{ ref('mrr_movements') }} as movements
         where movements.customer_id = stages.customer_id and movements.movement = 'churn'
         order by movements.month desc limit 1) as amount,
        'Churned ' || strftime(stages.churned_at, '%Y-%m-%d') as detail
    from {{ ref('int_lifecycle__customer_stages') }} as stages
    cross join now_instant
    where stages.lifecycle_stage = 'churned'
      and stages.churned_at > now_instant.now - interval 30 day
),

all_signals as (
    select * from trial_ending
    union all select * from card_expiring
    union all select * from payment_failed
    union all select * from cancellation_scheduled
    union all select * from plan_changes
    union all select * from recently_churned
)

select
    customer_id,
    signal,
    occurred_at,
    cast(round(amount, 2) as decimal(18, 2)) as amount,
    detail
from all_signals
