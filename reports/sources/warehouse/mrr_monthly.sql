select
  month,
  mrr::double as mrr,
  arr::double as arr,
  paying_customers::integer as paying_customers,
  new_mrr::double as new_mrr,
  reactivation_mrr::double as reactivation_mrr,
  expansion_mrr::double as expansion_mrr,
  contraction_mrr::double as contraction_mrr,
  churned_mrr::double as churned_mrr,
  fx_impact::double as fx_impact,
  net_new_mrr::double as net_new_mrr,
  quick_ratio
from marts.mrr_monthly
order by month
