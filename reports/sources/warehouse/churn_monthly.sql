select
  month,
  customers_at_start::integer as customers_at_start,
  churned_customers::integer as churned_customers,
  logo_churn_rate,
  mrr_at_start::double as mrr_at_start,
  gross_mrr_churn_rate,
  net_mrr_churn_rate
from marts.churn_monthly
order by month
