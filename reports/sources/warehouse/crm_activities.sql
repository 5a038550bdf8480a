select customer_id, kind, occurred_at, subject, body, amount::double as amount, stage, crm_system
from marts.crm_activities
order by customer_id, occurred_at desc
