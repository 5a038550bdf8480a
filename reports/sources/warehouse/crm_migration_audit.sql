select category, customer_id, email, crm_system, crm_record_id, stripe_customer_id
from marts.crm_migration_audit
order by category, email
