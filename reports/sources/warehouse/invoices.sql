select
  invoice_id, customer_id, stripe_customer_id, number, status, billing_reason,
  created_at, period_start, period_end, upper(currency) as currency,
  total::double as total, amount_paid::double as amount_paid, amount_due::double as amount_due,
  amount_remaining::double as amount_remaining
from marts.invoices
order by customer_id, created_at
