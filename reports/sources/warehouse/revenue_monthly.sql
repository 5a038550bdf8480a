select
  month,
  upper(currency) as currency,
  gross_volume::double as gross_volume,
  refunds::double as refunds,
  disputes::double as disputes,
  fees::double as fees,
  net_volume::double as net_volume
from marts.revenue_monthly
order by month, currency
