/** The one HTTP-status check: an integer in 100–599. */
export function httpStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

/** An HTTP status that reports an error: 400–599. */
export function errorStatus(value: unknown): number | undefined {
  const status = httpStatus(value);
  return status !== undefined && status >= 400 ? status : undefined;
}
