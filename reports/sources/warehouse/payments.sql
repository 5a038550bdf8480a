select
  charge_id, customer_id, created_at, upper(currency) as currency, amount::double as amount,
  status, failure_message, amount_refunded::double as amount_refunded, disputed
from marts.payments
order by customer_id, created_at
