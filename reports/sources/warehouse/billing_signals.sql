select customer_id, signal, occurred_at, amount::double as amount, detail
from marts.billing_signals
order by occurred_at desc
