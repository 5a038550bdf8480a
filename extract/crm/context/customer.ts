import { UsageError } from '../../../errors/index.js';
import type { SqlSession } from '../../../warehouse/warehouse.js';
import { crmSystems } from '../types.js';
import { isEmail, normalizeEmail } from '../values.js';

/**
 * How CRM context names its customer. The canonical customer id of a person
 * can change (a CRM-only prospect who later pays gets its Stripe id), so
 * context keeps what was typed and the models attach it at every build:
 * a Stripe id through stripe_customer_ids, crm:<system>:<id> through
 * crm_record_ids, an email through the normalized email.
 */
export type CustomerKeyKind = 'stripe_customer' | 'crm_record' | 'email';

export interface CustomerRef {
  readonly key: string;
  readonly kind: CustomerKeyKind;
  /** The normalized email when one was typed. */
  readonly email: string | null;
}

export function parseCustomerRef(input: string): CustomerRef {
  const text = input.trim();
  if (/^cus_[A-Za-z0-9]+$/.test(text)) return { key: text, kind: 'stripe_customer', email: null };
  const crm = /^crm:([a-z]+):(.+)$/.exec(text);
  if (crm) {
    if (!(crmSystems as readonly string[]).includes(crm[1]!)) {
      throw new UsageError(`'${text}' names an unknown CRM system '${crm[1]}'; systems are ${crmSystems.join(', ')}.`);
    }
    return { key: text, kind: 'crm_record', email: null };
  }
  if (text.includes('@')) {
    const email = normalizeEmail(text);
    if (!isEmail(email)) throw new UsageError(`'${text}' is not a valid email address.`);
    return { key: email, kind: 'email', email };
  }
  throw new UsageError(`'${text}' is not a customer: give a Stripe customer id (cus_...), crm:<system>:<record id>, or an email address.`);
}

export type Resolution =
  | { readonly status: 'resolved'; readonly customerId: string; readonly email: string | null; readonly name: string | null }
  /** marts.customers exists and holds no such customer. */
  | { readonly status: 'unknown' }
  /** No build yet: the context attaches at the next build. */
  | { readonly status: 'unbuilt' };

/** Finds the customer in the last build's marts.customers, when there is one. */
export async function resolveCustomer(session: SqlSession, ref: CustomerRef): Promise<Resolution> {
  const columns = await session.all<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema = 'marts' and table_name = 'customers' and table_catalog = current_database()`,
  );
  if (columns.length === 0) return { status: 'unbuilt' };
  const has = new Set(columns.map((column) => column.column_name));
  const conditions = ['customer_id = ?'];
  const params: string[] = [ref.key];
  if (ref.kind === 'stripe_customer' && has.has('stripe_customer_ids')) {
    conditions.push('list_contains(stripe_customer_ids, ?)');
    params.push(ref.key);
  }
  if (ref.kind === 'crm_record' && has.has('crm_record_ids')) {
    // marts.customers lists CRM records as <system>:<record id>.
    conditions.push('list_contains(crm_record_ids, ?)');
    params.push(ref.key.slice('crm:'.length));
  }
  if (ref.kind === 'email' && has.has('email')) {
    conditions.push('lower(trim(email)) = ?');
    params.push(ref.key);
  }
  const name = has.has('name') ? 'name' : 'null';
  const email = has.has('email') ? 'email' : 'null';
  const row = await session.one<{ customer_id: string; email: string | null; name: string | null }>(
    `select customer_id, ${email} as email, ${name} as name from marts.customers where ${conditions.join(' or ')} order by customer_id limit 1`,
    params,
  );
  if (!row) return { status: 'unknown' };
  return { status: 'resolved', customerId: row.customer_id, email: row.email ? normalizeEmail(row.email) : null, name: row.name };
}

/** "cus_123 (Ada Lovelace, ada@example.com)". */
export function describeResolved(resolution: Extract<Resolution, { status: 'resolved' }>): string {
  const details = [resolution.name, resolution.email].filter(Boolean).join(', ');
  return details ? `${resolution.customerId} (${details})` : resolution.customerId;
}
