/** Formats a serialized problem as one SSE event. JSON.stringify output has no newline, so one data line. */
export function toServerSentEvent(body: string): string {
  return `event: error\ndata: ${body}\n\n`;
}
