select
  subscription_id, customer_id, stripe_customer_id, status, upper(currency) as currency,
  created_at, trial_end, cancel_at_period_end, cancel_at, canceled_at, ended_at,
  cancellation_reason, mrr::double as mrr
from marts.subscriptions
order by customer_id, created_at
