{{ config(materialized='table') }}

-- Each customer's lifecycle stage now (metrics.md): the first rule that holds wins.
--   churned    had MRR > 0 at some time, MRR now = 0, and no trialing subscription
--   trial      a trialing subscription and MRR now = 0
--   at_risk    MRR > 0 and a past_due subscription, an open subscription invoice
--              past due or with a failed payment attempt, a scheduled
--              cancellation, or a default card expiring before the next renewal
--   activated  MRR > 0 and the first paid subscription invoice is less than
--              lifecycle.activated_days old
--   expanded   MRR > 0 and MRR now > MRR right after the first payment
--   paying     MRR > 0
--   prospect   everything else (CRM-only records, leads that never paid, lapsed trials)
select
    customer_id,
    case
        when had_mrr and mrr_now = 0 and not has_trialing_subscription then 'churned'
        when has_trialing_subscription and mrr_now = 0 then 'trial'
        when mrr_now > 0 and (has_past_due_subscription or has_overdue_invoice or has_scheduled_cancellation or has_card_expiring_before_renewal)
            then 'at_risk'
        when mrr_now > 0 and first_paid_at > '{{ var("now") }}'::timestamptz - to_days({{ var("lifecycle.activated_days") }})
            then 'activated'
        when mrr_now > 0 and mrr_now > mrr_after_first_payment then 'expanded'
        when mrr_now > 0 then 'paying'
        else 'prospect'
    end as lifecycle_stage,
    case when had_mrr and mrr_now = 0 then last_mrr_end_at end as churned_at
from {{ ref('int_lifecycle__customer_signals') }}
