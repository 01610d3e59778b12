import { problems } from '../problem.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a JSON request body of at most `limit` bytes: 415 unless it is declared JSON, 413 as soon as it is
 * known to be too large (from Content-Length, or while streaming when the length is not declared), 400 when
 * it does not parse. Returns the value and its text.
 */
export const readJsonBody = async (
  req: Request,
  limit: number,
): Promise<{ value: unknown; text: string }> => {
  const type = req.headers.get('Content-Type') ?? undefined;
  if (type === undefined || !JSON_TYPE.test(type)) throw problems.unsupportedMediaType(type);
  const declared = req.headers.get('Content-Length');
  if (declared !== null && Number(declared) > limit) throw problems.payloadTooLarge(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw problems.payloadTooLarge(limit);
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  if (text.trim() === '') throw problems.malformedJson('the body is empty; send a JSON object');
  try {
    return { value: JSON.parse(text), text };
  } catch (error) {
    throw problems.malformedJson(`the body is not JSON: ${(error as Error).message}`);
  }
};
