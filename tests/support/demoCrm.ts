import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addNote, addTags, findTarget } from '../../extract/crm/context/activities.js';
import { importCrmFiles } from '../../extract/crm/importCrm.js';
import { Warehouse } from '../../warehouse/warehouse.js';

/**
 * A CRM on top of a refreshed demo account, made the way a team would make
 * it: a HubSpot contacts export (half the Stripe customers, some emails in
 * another case, plus CRM-only leads) imported with the real importer, then
 * notes and tags typed against paying customers. The caller rebuilds the
 * marts afterwards (`tributary build`).
 */
const owners = ['Ana Silva', 'Ben Okafor', 'Emma Larsen'];
/** CRM-only leads in the export: prospects in the marts. */
export const demoCrmLeads = 40;
const tagSets = [['smb', 'newsletter'], ['enterprise', 'partner'], ['referral']];

export async function importDemoCrm(warehousePath: string, dir: string): Promise<void> {
  const warehouse = await Warehouse.open({ path: warehousePath });
  try {
    const customers = await warehouse.all<{ customer_id: string; email: string; name: string | null; mrr: number }>(
      `select customer_id, email, name, mrr::double as mrr from marts.customers where email is not null order by customer_id`,
    );
    const contacts = customers.filter((_, i) => i % 2 === 0);
    const header = ['Record ID', 'First Name', 'Last Name', 'Email', 'Lifecycle Stage', 'Contact owner', 'Create Date', 'Company Name'];
    const rows = contacts.map((customer, i) => {
      const [first = '', ...rest] = (customer.name ?? '').split(' ');
      // Every third email in upper case: the merge normalizes it, nothing else.
      const email = i % 3 === 0 ? customer.email.toUpperCase() : customer.email;
      return [String(700_000 + i), first, rest.join(' '), email, 'customer', owners[i % owners.length]!, '2025-01-15 09:30', ''];
    });
    for (let i = 0; i < demoCrmLeads; i++) {
      rows.push([String(800_000 + i), 'Lead', `Number ${i + 1}`, `lead.${i + 1}@prospects.example`, 'lead', owners[i % owners.length]!, '2026-02-01 10:00', `Prospect Co ${i + 1}`]);
    }
    const file = join(dir, 'hubspot-crm-exports-all-contacts.csv');
    writeFileSync(file, [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n');
    await importCrmFiles({ warehouse, files: [file] });

    const paying = contacts.filter((customer) => customer.mrr > 0).slice(0, 12);
    for (const [i, customer] of paying.entries()) {
      const target = await findTarget(warehouse, customer.customer_id);
      await addNote(warehouse.db, target, { kind: 'note', body: `Renewal call with ${customer.name ?? customer.email}: happy, asked about annual billing`, occurredAt: new Date('2026-10-01T15:00:00Z'), author: 'test' });
      await addTags(warehouse.db, target, tagSets[i % tagSets.length]!, 'test');
    }
  } finally {
    await warehouse.close();
  }
}

function csvCell(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}
