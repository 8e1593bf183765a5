/** JSON text columns: parse defensively so a bad row reads as empty rather than crashing a request. */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
