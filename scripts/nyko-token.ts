// Makes a bearer token for NYKO imports and prints the NYKO_TOKENS entry that grants it (only the hash is configured).
import { newToken } from '../subgraphs/nyko/auth.ts';

const USAGE = 'usage: npm run nyko:token -- --subject <name> --kommun <code>[,<code>…] | --kommun "*"';

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const subject = argument('subject');
const kommun = argument('kommun');
if (!subject || !/^[A-Za-z0-9._-]+$/.test(subject) || !kommun) {
  console.error(`${USAGE}\n  --subject  who holds the token: letters, digits, . _ -, e.g. goteborg-gis\n  --kommun   the kommuner it may write, four digits each`);
  process.exit(2);
}
const kommuner = kommun === '*' ? '*' : kommun.split(',').map((code) => code.trim());
if (kommuner !== '*' && !kommuner.every((code) => /^\d{4}$/.test(code))) {
  console.error(`--kommun ${kommun}: expected four-digit kommun codes separated by commas, e.g. 1480,1481, or "*"\n${USAGE}`);
  process.exit(2);
}
const { token, entry } = newToken(subject, kommuner);
console.log(`token (give it to ${subject}; it is not stored anywhere):\n  ${token}\n\nadd to NYKO_TOKENS (comma-separated with any others):\n  ${entry}`);
