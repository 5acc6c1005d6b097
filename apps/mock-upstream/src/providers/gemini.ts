import { base62 } from '../ids.js';
import type { ParsedRequest } from '../request.js';

function usageMetadata(promptTokens: number, candidatesTokens: number | undefined) {
  return {
    promptTokenCount: promptTokens,
    ...(candidatesTokens === undefined ? {} : { candidatesTokenCount: candidatesTokens }),
    totalTokenCount: promptTokens + (candidatesTokens ?? 0),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  };
}

export function geminiResponse(req: ParsedRequest): unknown {
  return {
    candidates: [
      {
        content: { parts: [{ text: req.pieces.join('') }], role: 'model' },
        finishReason: req.truncated ? 'MAX_TOKENS' : 'STOP',
        index: 0,
      },
    ],
    usageMetadata: usageMetadata(req.promptTokens, req.completionTokens),
    modelVersion: req.model,
    responseId: base62(22),
  };
}

// Gemini's SSE uses CRLF line endings.
const frame = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;

/**
 * `:streamGenerateContent?alt=sse` frames: one GenerateContentResponse per piece, the last with
 * `finishReason` and full usage. With `failure`, an `{"error": …}` frame follows the first pieces.
 */
export function geminiStream(
  req: ParsedRequest,
  failure?: { readonly body: unknown; readonly after: number },
): string[] {
  const responseId = base62(22);
  let pieces = failure === undefined ? req.pieces : req.pieces.slice(0, failure.after);
  // A zero-token answer still sends one chunk carrying the finish reason.
  if (pieces.length === 0 && failure === undefined) pieces = [''];
  const frames = pieces.map((text, i) => {
    const last = failure === undefined && i === pieces.length - 1;
    return frame({
      candidates: [
        {
          content: { parts: [{ text }], role: 'model' },
          ...(last ? { finishReason: req.truncated ? 'MAX_TOKENS' : 'STOP' } : {}),
          index: 0,
        },
      ],
      usageMetadata: usageMetadata(req.promptTokens, last ? req.completionTokens : undefined),
      modelVersion: req.model,
      responseId,
    });
  });
  if (failure !== undefined) frames.push(frame(failure.body));
  return frames;
}
