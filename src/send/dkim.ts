import { createPublicKey } from 'node:crypto';

export interface DkimRecord {
  /** Where to publish it: <selector>._domainkey.<domain>. */
  name: string;
  /** The TXT value: v=DKIM1; k=rsa; p=… */
  value: string;
  /** The key's size in bits (RSA), for "too short to be trusted". */
  bits?: number;
}

/** The DNS TXT record that publishes the public half of a DKIM private key (RFC 6376 §3.6.1, RFC 8463 for Ed25519). */
export function dkimRecord(privateKey: string, domain: string, selector: string): DkimRecord {
  const key = createPublicKey(privateKey);
  const der = key.export({ type: 'spki', format: 'der' });
  const ed25519 = key.asymmetricKeyType === 'ed25519';
  // Ed25519 publishes the bare 32-byte key, not its SPKI wrapping.
  const p = (ed25519 ? der.subarray(der.length - 32) : der).toString('base64');
  return { name: `${selector}._domainkey.${domain}`, value: `v=DKIM1; k=${ed25519 ? 'ed25519' : 'rsa'}; p=${p}`, bits: key.asymmetricKeyDetails?.modulusLength };
}
