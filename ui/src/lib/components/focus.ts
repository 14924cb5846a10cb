/**
 * Focus a form control and bring its label (or its fieldset's legend) into
 * view, as the GOV.UK error summary does.
 */
export function focusControl(id: string): void {
  const control = document.getElementById(id)
  if (!control) return
  control.focus({ preventScroll: true })
  const legend = control.closest('fieldset')?.querySelector('legend')
  const label = document.querySelector(`label[for="${CSS.escape(id)}"]`)
  const target = legend ?? label ?? control
  target.scrollIntoView?.({ block: 'start' })
}
