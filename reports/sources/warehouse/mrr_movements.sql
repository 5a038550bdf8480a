select customer_id, month, movement, amount::double as amount
from marts.mrr_movements
order by customer_id, month
