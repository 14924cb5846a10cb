/** aria-describedby for a control with an optional hint and error message. */
export function describedBy(
  id: string,
  hint: string | undefined,
  error: string | undefined,
  extra?: string,
): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null, extra ?? null].filter(
    (x): x is string => x !== null,
  )
  return ids.length > 0 ? ids.join(' ') : undefined
}
