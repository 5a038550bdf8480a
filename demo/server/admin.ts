import type { DemoAccount, ItemSpec } from '../account/account.js';
import type { Kind } from '../account/kinds.js';
import { toUnix } from '../account/time.js';
import { UsageError } from '../../errors/index.js';
import { accountSummary } from './summary.js';

/**
 * `/_demo/...`: changes to a running account from another process (outside
 * Stripe's API). Each change happens at the account clock and is applied at
 * once, with its events; `advance` moves the clock.
 */
export type AdminBody = Record<string, unknown>;

function text(body: AdminBody, key: string, required = true): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw new UsageError(`The field ${key} is required.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new UsageError(`The field ${key} must be a string.`);
  return value;
}

function number(body: AdminBody, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UsageError(`The field ${key} must be a number.`);
  return value;
}

function refOf<K extends Kind>(account: DemoAccount, kind: K, id: string) {
  const ref = account.ref(kind, id);
  if (!ref) throw new UsageError(`No such ${kind}: ${id}.`);
  return ref;
}

function itemsOf(account: DemoAccount, body: AdminBody): ItemSpec[] {
  if (Array.isArray(body['items'])) {
    return (body['items'] as AdminBody[]).map((item) => ({ price: refOf(account, 'price', text(item, 'price')!), quantity: number(item, 'quantity') ?? 1 }));
  }
  return [{ price: refOf(account, 'price', text(body, 'price')!), quantity: number(body, 'quantity') ?? 1 }];
}

export function answerAdmin(account: DemoAccount, action: string, body: AdminBody): Record<string, unknown> {
  const now = account.now;
  switch (action) {
    case 'state':
      return { now: account.nowIso, counts: accountSummary(account) };
    case 'advance': {
      const to = text(body, 'to', false);
      const seconds = (number(body, 'seconds') ?? 0) + (number(body, 'days') ?? 0) * 86_400;
      const target = to !== undefined ? toUnix(to, 'the advance target') : now + seconds;
      account.advanceTo(target);
      return { now: account.nowIso };
    }
    case 'signup': {
      const customer = account.customer({
        createdAt: now,
        email: text(body, 'email', false) ?? null,
        name: text(body, 'name', false) ?? null,
        card: body['card'] === false ? null : {},
      });
      const coupon = text(body, 'coupon', false);
      const subscription = body['price'] || body['items']
        ? account.subscribe(customer, { at: now, items: itemsOf(account, body), trialDays: number(body, 'trialDays') ?? 0, ...(coupon ? { coupon: refOf(account, 'coupon', coupon) } : {}) })
        : undefined;
      account.advanceTo(now);
      return { customer: customer.id, subscription: subscription?.id ?? null };
    }
    case 'cancel': {
      const sub = refOf(account, 'subscription', text(body, 'subscription')!);
      account.cancel(sub, { at: now, atPeriodEnd: body['atPeriodEnd'] === true, reason: text(body, 'reason', false) ?? 'cancellation_requested', feedback: text(body, 'feedback', false) ?? null });
      account.advanceTo(now);
      return { subscription: sub.id };
    }
    case 'change-items': {
      const sub = refOf(account, 'subscription', text(body, 'subscription')!);
      const proration = (text(body, 'prorationBehavior', false) ?? 'create_prorations') as 'create_prorations' | 'always_invoice' | 'none';
      account.changeItems(sub, { at: body['atPeriodEnd'] === true ? 'period_end' : now, items: itemsOf(account, body), prorationBehavior: proration });
      account.advanceTo(now);
      return { subscription: sub.id };
    }
    case 'update-card': {
      const customer = refOf(account, 'customer', text(body, 'customer')!);
      account.updateCard(customer, { at: now, expMonth: number(body, 'expMonth') ?? 12, expYear: number(body, 'expYear') ?? new Date(now * 1000).getUTCFullYear() + 3, replace: body['replace'] !== false });
      account.advanceTo(now);
      return { customer: customer.id };
    }
    case 'update-customer': {
      const customer = refOf(account, 'customer', text(body, 'customer')!);
      account.updateCustomer(customer, { at: now, ...(body['email'] !== undefined ? { email: text(body, 'email', false) ?? null } : {}), ...(body['name'] !== undefined ? { name: text(body, 'name', false) ?? null } : {}) });
      account.advanceTo(now);
      return { customer: customer.id };
    }
    case 'fail-payments': {
      const customer = refOf(account, 'customer', text(body, 'customer')!);
      const until = text(body, 'until', false);
      account.failPayments(customer, { from: now, until: until ?? now + (number(body, 'days') ?? 30) * 86_400 });
      return { customer: customer.id };
    }
    case 'delete-customer': {
      const customer = refOf(account, 'customer', text(body, 'customer')!);
      account.deleteCustomer(customer, { at: now });
      account.advanceTo(now);
      return { customer: customer.id };
    }
    case 'refund': {
      const charge = text(body, 'charge')!;
      const amount = number(body, 'amount');
      account.refund(charge, { at: now, ...(amount !== undefined ? { amount } : {}) });
      account.advanceTo(now);
      return { charge };
    }
    default:
      throw new UsageError(`Unknown admin action ${action}; try state, advance, signup, cancel, change-items, update-card, update-customer, fail-payments, delete-customer or refund.`);
  }
}
