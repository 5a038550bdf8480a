import { Faker, de, en, en_GB, fr, ja, nl } from '@faker-js/faker';
import { Rng } from '../account/random.js';

/**
 * Names, companies and email domains drawn from faker, seeded from the account
 * seed. Faker fills pools once; customers then pick from the pools with the
 * generator's own random stream, which keeps 200,000 customers fast.
 */
export interface PeoplePools {
  firstNames: Record<string, string[]>;
  lastNames: Record<string, string[]>;
  companies: string[];
  domainWords: string[];
}

const LOCALES = { US: en, GB: en_GB, DE: de, FR: fr, NL: nl, IE: en_GB, JP: ja, CA: en, AU: en } as const;
export type Country = keyof typeof LOCALES;

export function peoplePools(seed: number): PeoplePools {
  const firstNames: Record<string, string[]> = {};
  const lastNames: Record<string, string[]> = {};
  for (const [country, locale] of Object.entries(LOCALES)) {
    const faker = new Faker({ locale: [locale, en] });
    faker.seed([seed, country.charCodeAt(0), country.charCodeAt(1)]);
    firstNames[country] = Array.from({ length: 400 }, () => faker.person.firstName());
    lastNames[country] = Array.from({ length: 400 }, () => faker.person.lastName());
  }
  const faker = new Faker({ locale: [en] });
  faker.seed([seed, 0xc0]);
  const companies = Array.from({ length: 1500 }, () => faker.company.name());
  const domainWords = Array.from({ length: 1500 }, () => faker.internet.domainWord());
  return { firstNames, lastNames, companies, domainWords };
}

/** ASCII slug for email local parts ("Zoë O'Neil" -> "zoe.oneil"). */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

export interface Person {
  name: string;
  company: string;
  email: string;
}

const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'icloud.com'];
const TLD: Record<string, string> = { US: 'com', GB: 'co.uk', DE: 'de', FR: 'fr', NL: 'nl', IE: 'ie', JP: 'jp', CA: 'ca', AU: 'com.au' };

export function person(pools: PeoplePools, country: Country, rng: Rng, index: number): Person {
  const first = rng.pick(pools.firstNames[country]!);
  const last = rng.pick(pools.lastNames[country]!);
  const company = rng.pick(pools.companies);
  const word = rng.pick(pools.domainWords);
  let local = slug(first) || 'user';
  const lastSlug = slug(last);
  const style = rng.int(4);
  if (style === 0 && lastSlug) local = `${local}.${lastSlug}`;
  else if (style === 1 && lastSlug) local = `${local[0]}${lastSlug}`;
  else if (style === 2) local = `${local}${rng.between(1, 99)}`;
  const domain = rng.chance(0.3) ? rng.pick(FREE_MAIL) : `${word}.${TLD[country] ?? 'com'}`;
  // The index keeps emails unique unless the generator shares one on purpose.
  return { name: `${first} ${last}`, company, email: `${local}${rng.chance(0.5) ? '' : `.${index.toString(36)}`}@${domain}` };
}
