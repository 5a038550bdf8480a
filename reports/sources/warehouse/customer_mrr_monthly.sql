select customer_id, month, mrr::double as mrr
from marts.customer_mrr_monthly
order by customer_id, month
