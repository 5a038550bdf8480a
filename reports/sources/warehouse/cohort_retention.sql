select
  cohort_month,
  months_since_first_paid::integer as months_since_first_paid,
  cohort_customers::integer as cohort_customers,
  retained_customers::integer as retained_customers,
  retained_mrr::double as retained_mrr,
  customer_retention_rate,
  mrr_retention_rate
from marts.cohort_retention
order by cohort_month, months_since_first_paid
