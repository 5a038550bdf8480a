select customer_id, month, churned_at, lost_mrr::double as lost_mrr, reason
from marts.churn_events
order by churned_at desc
