import { z } from 'zod';

/**
 * A person's or agency's name goes into mail headers and pages: one line, no control characters,
 * and short enough that a header line stays within what mail servers accept.
 */
const name = z
  .string()
  .min(1)
  .max(200, 'at most 200 characters')
  .regex(/^[^\x00-\x1f\x7f]*$/, 'no control characters or line breaks');

export const recipientSchema = z
  .object({
    name,
    email: z.email({ error: (issue) => `"${String(issue.input)}" is not an email address` }),
    role: z.string().optional(),
    team: z.string().optional(),
  })
  .strict();

export const agencySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'use lower-case letters, digits and hyphens'),
    name,
    /** Other names a briefing may use for it: "Police", "Children's Social Care". */
    aliases: z.array(z.string().min(1)).default([]),
    recipients: z.array(recipientSchema).default([]),
    /** More recipients from a CSV file beside agencies.yml (header name,email,role,team). */
    csv: z.string().min(1).optional(),
  })
  .strict();

export const listsSchema = z.object({ agencies: z.array(agencySchema) }).strict();

export type RecipientInput = z.infer<typeof recipientSchema>;
export type AgencyInput = z.infer<typeof agencySchema>;

export interface Agency {
  id: string;
  name: string;
  aliases: string[];
  recipients: RecipientInput[];
}

/** One person to send to: a person on several agencies' lists appears once. */
export interface Recipient extends RecipientInput {
  agencies: string[];
}
