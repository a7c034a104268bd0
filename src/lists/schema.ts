import { z } from 'zod';

export const recipientSchema = z
  .object({
    name: z.string().min(1),
    email: z.email({ error: (issue) => `"${String(issue.input)}" is not an email address` }),
    role: z.string().optional(),
    team: z.string().optional(),
  })
  .strict();

export const agencySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'use lower-case letters, digits and hyphens'),
    name: z.string().min(1),
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
