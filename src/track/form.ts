import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** A request the server refuses, with the status to answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message = '',
  ) {
    super(message);
  }
}

export interface FormLimits {
  /** Bytes of the whole body. */
  body: number;
  /** How many fields; more is refused rather than cut, so no answer is silently lost. */
  fields: number;
  /** Characters (UTF-16 units, as a browser's maxlength counts them) of one field's value. */
  value: number;
}

export const defaultFormLimits: FormLimits = { body: 16 * 1024, fields: 50, value: 4000 };

/**
 * The fields of a form POST, urlencoded or multipart (RFC 8058 lets a mail client send the
 * one-click body either way). busboy reads both in one pass, so time grows with the body's
 * length and nothing a sender writes can make it backtrack; files are refused.
 */
export function readForm(req: IncomingMessage, limits: FormLimits = defaultFormLimits): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limits.body) return reject(new HttpError(413, 'body too large'));
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Bytes: a character of the form's own text is at most three of UTF-8.
        limits: { fieldNameSize: 100, fieldSize: limits.value * 3, fields: limits.fields, files: 0, parts: limits.fields, headerPairs: 20 },
      });
    } catch {
      return reject(new HttpError(415, 'expected a form (application/x-www-form-urlencoded or multipart/form-data)'));
    }
    const fields = new Map<string, string>();
    let failed = false;
    const fail = (error: HttpError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.body) fail(new HttpError(413, 'body too large'));
      // Draining is bounded too: a sender that keeps going loses the connection.
      if (size > 4 * limits.body) req.destroy();
    });
    req.on('error', () => fail(new HttpError(400, 'bad body')));
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated || info.nameTruncated || value.length > limits.value) fail(new HttpError(413, `field ${name.slice(0, 40)} is too long`));
      else fields.set(name, value);
    });
    parser.on('file', (_name, stream) => {
      stream.resume();
      fail(new HttpError(400, 'files are not accepted'));
    });
    parser.on('fieldsLimit', () => fail(new HttpError(413, 'too many fields')));
    parser.on('partsLimit', () => fail(new HttpError(413, 'too many fields')));
    parser.on('filesLimit', () => fail(new HttpError(400, 'files are not accepted')));
    parser.on('error', () => fail(new HttpError(400, 'malformed form')));
    parser.on('close', () => {
      if (!failed) resolve(fields);
    });
    req.pipe(parser);
  });
}
