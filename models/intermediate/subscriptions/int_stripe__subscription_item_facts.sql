{{ config(materialized='table') }}

-- Evidence of which price and quantity each subscription item had, and from
-- when (metrics.md, "Which price and quantity were in effect at a past
-- instant"). Stripe's subscription object only shows the present; the past
-- comes from invoice lines and, for the last 30 days, from events:
--   invoice_line    a non-proration subscription line: price x quantity covered [period start, period end)
--   proration_on    a positive proration line: its price x quantity took effect at its period start
--   proration_off   a negative proration line: its price stopped at its period start
--   event_on/off    customer.subscription.updated with previous_attributes.items, exact to the second
--   live            the item as the subscription shows it now
--   replaced        an item gone from the subscription, ended when a newer item appeared
-- At one instant the fact with the highest precedence wins; each fact lasts
-- until the next one of its item (int_stripe__subscription_item_segments).
-- An item is keyed by its subscription item id, or by its price when a line
-- does not name the item.
with valid_lines as (
    select
        lines.subscription_id,
        coalesce(lines.subscription_item_id, 'price:' || lines.price_id) as item_key,
        lines.price_id,
        lines.quantity,
        lines.amount,
        lines.is_proration,
        lines.line_type,
        lines.period_start_at,
        lines.period_end_at
    from {{ ref('stg_stripe__invoice_lines') }} as lines
    inner join {{ ref('stg_stripe__invoices') }} as invoices on invoices.invoice_id = lines.invoice_id
    where lines.subscription_id is not null
      and lines.price_id is not null
      and lines.period_start_at is not null
      and not invoices.is_deleted
      and invoices.status <> 'void'
),

billed as (
    select subscription_id, item_key, price_id, quantity,
        period_start_at as effective_at, period_end_at as ends_at,
        'invoice_line' as fact_kind, 2 as precedence
    from valid_lines
    where not is_proration and line_type = 'subscription_item_details'
),

prorated_off as (
    select subscription_id, item_key, price_id, quantity,
        period_start_at as effective_at, cast(null as timestamptz) as ends_at,
        'proration_off' as fact_kind, 3 as precedence
    from valid_lines
    where is_proration and amount < 0
),

prorated_on as (
    select subscription_id, item_key, price_id, quantity,
        period_start_at as effective_at, period_end_at as ends_at,
        'proration_on' as fact_kind, 4 as precedence
    from valid_lines
    where is_proration and amount > 0
),

subscription_updates as (
    select
        object_id as subscription_id,
        created_at,
        json_transform(object_json, '{"items": {"data": [{"id": "VARCHAR", "quantity": "BIGINT", "price": {"id": "VARCHAR"}}]}}').items.data as items_after,
        json_transform(previous_attributes_json, '{"items": {"data": [{"id": "VARCHAR", "quantity": "BIGINT", "price": {"id": "VARCHAR"}}]}}').items.data as items_before
    from {{ ref('stg_stripe__events') }}
    where event_type = 'customer.subscription.updated'
      and json_exists(previous_attributes_json, '$.items')
),

event_on as (
    select subscription_id, item.id as item_key, item.price.id as price_id, coalesce(item.quantity, 1) as quantity,
        created_at as effective_at, cast(null as timestamptz) as ends_at,
        'event_on' as fact_kind, 5 as precedence
    from (select subscription_id, created_at, unnest(items_after) as item from subscription_updates)
),

event_off as (
    select subscription_id, item.id as item_key, item.price.id as price_id, item.quantity as quantity,
        created_at as effective_at, cast(null as timestamptz) as ends_at,
        'event_off' as fact_kind, 5 as precedence
    from (select subscription_id, created_at, items_after, unnest(items_before) as item from subscription_updates)
    where not list_contains([after.id for after in items_after], item.id)
),

historical as (
    select * from billed
    union all select * from prorated_off
    union all select * from prorated_on
    union all select * from event_on
    union all select * from event_off
),

latest_historical as (
    select subscription_id, item_key, price_id, quantity, effective_at, fact_kind
    from historical
    qualify row_number() over (partition by subscription_id, item_key order by effective_at desc, precedence desc) = 1
),

live_items as (
    select subscription_id, subscription_item_id as item_key, price_id, quantity, created_at
    from {{ ref('stg_stripe__subscription_items') }}
),

-- The present state continues the latest evidence when they agree; when they
-- differ and nothing says when the change happened (a change without
-- proration older than Stripe's 30 days of events), it counts from now, so
-- history follows what was billed.
live as (
    select
        live_items.subscription_id,
        live_items.item_key,
        live_items.price_id,
        live_items.quantity,
        case
            when latest.item_key is null then live_items.created_at
            when latest.fact_kind in ('proration_off', 'event_off') then latest.effective_at
            when latest.price_id = live_items.price_id and latest.quantity = live_items.quantity then latest.effective_at
            else greatest(latest.effective_at, '{{ var("now") }}'::timestamptz)
        end as effective_at,
        cast(null as timestamptz) as ends_at,
        'live' as fact_kind,
        6 as precedence
    from live_items
    left join latest_historical as latest
        on latest.subscription_id = live_items.subscription_id and latest.item_key = live_items.item_key
),

-- An item that is gone from its subscription, with no evidence of when it
-- left, ended when a newer item of the subscription appeared (a price change
-- that replaced the item without proration).
replaced as (
    select
        gone.subscription_id,
        gone.item_key,
        gone.price_id,
        gone.quantity,
        min(newer.created_at) as effective_at,
        cast(null as timestamptz) as ends_at,
        'replaced' as fact_kind,
        1 as precedence
    from latest_historical as gone
    inner join live_items as newer
        on newer.subscription_id = gone.subscription_id
       and newer.created_at > gone.effective_at
    where gone.fact_kind not in ('proration_off', 'event_off')
      and not exists (
          select 1 from live_items as still
          where still.subscription_id = gone.subscription_id and still.item_key = gone.item_key
      )
    group by gone.subscription_id, gone.item_key, gone.price_id, gone.quantity
)

select subscription_id, item_key, price_id, quantity, effective_at, ends_at, fact_kind, precedence from historical
union all
select subscription_id, item_key, price_id, quantity, effective_at, ends_at, fact_kind, precedence from live
union all
select subscription_id, item_key, price_id, quantity, effective_at, ends_at, fact_kind, precedence from replaced
