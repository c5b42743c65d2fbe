// Bearer tokens for NYKO imports: kept only as SHA-256 hashes, each scoped to the kommuner it may write.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { codedError } from '../../lib/errors.ts';

/** One token's grant: who holds it and which kommuner (four-digit codes, or every kommun) it may write. */
export interface TokenGrant {
  subject: string;
  sha256: string;
  kommuner: readonly string[] | '*';
}

const ENTRY = /^([A-Za-z0-9._-]+):([0-9a-f]{64}):(\*|\d{4}(?:\+\d{4})*)$/;

/**
 * Reads `NYKO_TOKENS`: comma-separated `subject:sha256:kommuner` entries, kommuner as `1480+1481` or `*`. Only hashes
 * are configured, so the setting can be shown in logs and files without handing out a token.
 */
export function parseTokenGrants(value: string): TokenGrant[] {
  if (value.trim() === '') return [];
  return value.split(',').map((entry) => {
    const match = ENTRY.exec(entry.trim());
    if (!match) {
      throw new Error(
        `NYKO_TOKENS entry "${entry.trim().slice(0, 40)}" is not subject:sha256:kommuner, e.g. goteborg-gis:<64 hex digits>:1480 (kommuner joined by +, or *); make one with npm run nyko:token`,
      );
    }
    return { subject: match[1], sha256: match[2], kommuner: match[3] === '*' ? '*' : match[3].split('+') };
  });
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random token and the NYKO_TOKENS entry that grants it. */
export function newToken(subject: string, kommuner: readonly string[] | '*'): { token: string; entry: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, entry: `${subject}:${hashToken(token)}:${kommuner === '*' ? '*' : kommuner.join('+')}` };
}

/** The subject allowed to write the kommun with this Authorization header; UNAUTHENTICATED or FORBIDDEN otherwise. */
export function authorizeWrite(authorization: string | undefined, kommun: string, grants: readonly TokenGrant[]): string {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) {
    throw codedError('UNAUTHENTICATED', 'Importing needs a bearer token: send the header "Authorization: Bearer <token>". Reads need none.');
  }
  const hash = Buffer.from(hashToken(token), 'hex');
  // Compared in constant time so response timing says nothing about how close a guess was.
  const grant = grants.find((candidate) => timingSafeEqual(Buffer.from(candidate.sha256, 'hex'), hash));
  if (!grant) throw codedError('UNAUTHENTICATED', 'The bearer token is not one this server knows: check it, or ask the operator for a new one.');
  if (grant.kommuner !== '*' && !grant.kommuner.includes(kommun)) {
    throw codedError('FORBIDDEN', `The token of "${grant.subject}" may write kommun ${grant.kommuner.join(', ')}, not ${kommun}.`, { kommuner: grant.kommuner });
  }
  return grant.subject;
}
