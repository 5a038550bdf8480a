-- The MRR bridge (metrics.md), to the cent, every month:
--   MRR(M) - MRR(M-1) = new + reactivation + expansion + contraction + churn + fx_impact
-- Returns the months where it does not hold.
with bridge as (
    select
        month,
        mrr,
        coalesce(lag(mrr) over (order by month), 0) as previous_mrr,
        new_mrr + reactivation_mrr + expansion_mrr + contraction_mrr + churned_mrr + fx_impact as explained_change
    from {{ ref('mrr_monthly') }}
)

select month, mrr, previous_mrr, mrr - previous_mrr as actual_change, explained_change
from bridge
where mrr - previous_mrr <> explained_change
